/**
 * The layers of src/ (docs/architecture.md), top to bottom; a module may import only from its
 * own layer or the ones below, and no modules may import each other in a cycle. `make lint`
 * checks both.
 *
 *   cli.ts, cli/         the commands
 *   studies/             study kinds (one folder each) and the registry
 *   pipeline/            the engine: replicate loop, executors, study folder, progress, timing
 *   design/ analysis/ slurm/   designs, numbers, the Slurm commands
 *   cmdstan/             CmdStan: locate, compile, run, read its files
 *   report/ util/        the ground floor: text, figures, templates; errors, files, JSON
 */
const LAYERS = [
  { name: "cli", path: "^src/(cli\\.ts|cli/)", below: ["studies", "pipeline", "domain", "cmdstan", "ground"] },
  { name: "studies", path: "^src/studies/", below: ["pipeline", "domain", "cmdstan", "ground"] },
  { name: "pipeline", path: "^src/pipeline/", below: ["domain", "cmdstan", "ground"] },
  { name: "domain", path: "^src/(design|analysis|slurm)/", below: ["cmdstan", "ground"] },
  { name: "cmdstan", path: "^src/cmdstan/", below: ["ground"] },
  { name: "ground", path: "^src/(report|util)/", below: [] },
];
const pathOf = (name) => LAYERS.find((l) => l.name === name).path;

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "Modules that import each other (directly or around a loop) cannot be read or tested apart.",
      from: { path: "^src/" },
      to: { circular: true },
    },
    ...LAYERS.map((layer) => ({
      name: `layer-${layer.name}`,
      severity: "error",
      comment: `${layer.name} may import only its own layer and the ones below it (${layer.below.join(", ") || "none"}).`,
      from: { path: layer.path },
      to: {
        path: "^src/",
        pathNot: [layer.path, ...layer.below.map(pathOf)],
      },
    })),
    {
      name: "ground-floor-report-util",
      severity: "error",
      comment: "util/ is below report/: it may not import report/.",
      from: { path: "^src/util/" },
      to: { path: "^src/report/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
