/** Assertion helpers for user-facing errors. */
import { expect } from "vitest";
import { InputError } from "../../src/util/errors.js";

/** The message of the InputError that `f` throws; fails the test if it throws nothing or something else. */
export function inputErrorMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error("expected an InputError");
}
