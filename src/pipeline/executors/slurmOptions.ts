/**
 * Where a study's replicates run (`executor`: "local" or "slurm") and the Slurm settings users
 * need, as config keys (`slurm: {...}`) shared by every study kind's config, and the parsing of
 * Slurm's time-limit format.
 */
import { z } from "zod";

export const EXECUTORS = ["local", "slurm"] as const;
export type ExecutorName = (typeof EXECUTORS)[number];

/** Time limits as sbatch takes them: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
const TIME_FORMATS =
  /^(\d+)$|^(\d+):(\d{1,2})$|^(\d+):(\d{1,2}):(\d{1,2})$|^(\d+)-(\d+)(?::(\d{1,2}))?(?::(\d{1,2}))?$/;
export const TIME_EXPECTED = "a Slurm time limit: minutes (30), MM:SS, HH:MM:SS (2:00:00) or D-HH:MM:SS (1-12:00:00)";

/** Minutes in a Slurm time limit (seconds rounded up, as Slurm does); undefined when malformed. */
export function slurmTimeMinutes(time: string): number | undefined {
  const m = TIME_FORMATS.exec(time.trim());
  if (!m) return undefined;
  const n = (s?: string) => (s === undefined ? 0 : Number(s));
  if (m[1] !== undefined) return n(m[1]);
  if (m[2] !== undefined) return n(m[2]) + Math.ceil(n(m[3]) / 60);
  if (m[4] !== undefined) return n(m[4]) * 60 + n(m[5]) + Math.ceil(n(m[6]) / 60);
  return n(m[7]) * 1440 + n(m[8]) * 60 + n(m[9]) + Math.ceil(n(m[10]) / 60);
}

/** sbatch options the executor sets itself; extra arguments may not override them. */
const OWNED_OPTIONS = [
  ["--array", "-a"],
  ["--cpus-per-task", "-c"],
  ["--output", "-o"],
  ["--error", "-e"],
  ["--chdir", "-D"],
  ["--ntasks", "-n"],
  ["--nodes", "-N"],
  ["--parsable"],
  ["--wrap"],
];

function ownedOption(arg: string): string | undefined {
  const name = arg.split("=")[0];
  return OWNED_OPTIONS.find((names) =>
    names.some((o) => name === o || (o.length === 2 && name.startsWith(o) && !name.startsWith("--"))),
  )?.[0];
}

const noSpace = (what: string) =>
  z
    .string({ invalid_type_error: `must be ${what} (a string)` })
    .min(1, `must be ${what}`)
    .regex(/^\S+$/, `must be ${what} without spaces`);
const positiveInt = z
  .number({ invalid_type_error: "must be a positive integer" })
  .int("must be a positive integer")
  .min(1, "must be a positive integer");

export const slurmFieldSchemas = {
  partition: noSpace("a partition name"),
  account: noSpace("an account name"),
  /** Wall-time limit of one array task (a batch of replicates). */
  time: z
    .string({ invalid_type_error: `must be ${TIME_EXPECTED}` })
    .refine((t) => slurmTimeMinutes(t) !== undefined, `must be ${TIME_EXPECTED}`),
  mem_per_cpu: z
    .union([z.string(), z.number()], { invalid_type_error: "must be a memory size such as 2G or 500M" })
    .transform(String)
    .refine(
      (m) => /^\d+[KMGT]?$/i.test(m),
      "must be a memory size such as 2G or 500M (a number, optionally with K, M, G or T)",
    ),
  /** At most this many array tasks run at once (sbatch's `--array=...%N`). */
  max_concurrent: positiveInt,
  /** Replicates per array task; default: see chooseBatchSize (batches.ts). */
  batch_size: positiveInt,
  /** Further sbatch arguments, e.g. ["--qos=short", "--constraint=avx2"]. */
  sbatch_args: z
    .array(z.string(), { invalid_type_error: 'must be a list of sbatch arguments, e.g. ["--qos=short"]' })
    .superRefine((args, ctx) => {
      for (const a of args) {
        const owned = ownedOption(a);
        if (owned)
          ctx.addIssue({
            code: "custom",
            message: `${a}: ${owned} is set by the Slurm executor (use batch_size / max_concurrent / the output folder instead)`,
          });
      }
    }),
  /** Seconds between squeue polls (records on disk are checked every second). */
  poll_seconds: z
    .number({ invalid_type_error: "must be a number of seconds" })
    .positive("must be a positive number of seconds"),
};

export const slurmOptionsSchema = z
  .object(
    {
      partition: slurmFieldSchemas.partition.optional(),
      account: slurmFieldSchemas.account.optional(),
      time: slurmFieldSchemas.time.optional(),
      mem_per_cpu: slurmFieldSchemas.mem_per_cpu.optional(),
      max_concurrent: slurmFieldSchemas.max_concurrent.optional(),
      batch_size: slurmFieldSchemas.batch_size.optional(),
      sbatch_args: slurmFieldSchemas.sbatch_args.default([]),
      poll_seconds: slurmFieldSchemas.poll_seconds.default(10),
    },
    { invalid_type_error: "must be an object of Slurm settings (partition, account, time, ...)" },
  )
  .strict();
export type SlurmOptions = z.output<typeof slurmOptionsSchema>;
export type SlurmOptionsInput = z.input<typeof slurmOptionsSchema>;

/** The config keys every study kind's config takes for choosing its executor. */
export const executorConfigFields = {
  executor: z
    .enum(EXECUTORS, { errorMap: () => ({ message: `must be one of ${EXECUTORS.join(", ")}` }) })
    .default("local"),
  slurm: slurmOptionsSchema.optional(),
};
