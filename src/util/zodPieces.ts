/** zod pieces for the numbers and lists of files the tool reads, with the messages users see. */
import { z } from "zod";

export const finite = z
  .number({ invalid_type_error: "must be a number", required_error: "is required" })
  .finite("must be finite");

export const intMin = (min: number) =>
  z
    .number({ invalid_type_error: `must be an integer >= ${min}`, required_error: "is required" })
    .int(`must be an integer >= ${min}`)
    .min(min, `must be an integer >= ${min}`);

export const integer = z.number({ invalid_type_error: "must be an integer" }).int("must be an integer");

export const positive = finite.gt(0, "must be > 0");

export const list = <T extends z.ZodTypeAny>(t: T, what: string) =>
  z.array(t, { invalid_type_error: `must be a list of ${what}`, required_error: "is required" });
