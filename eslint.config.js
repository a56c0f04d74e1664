// ESLint (flat config): typescript-eslint's recommended rules, with type information for the
// rules that need it (floating promises: a study's fits are async all the way down). Formatting
// is prettier's job (`make format`), so eslint-config-prettier turns the style rules off.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".cmdstan/", ".cache/", ".venv/", "results/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { project: ["./tsconfig.test.json"], tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      // A function a reader takes in at once; numeric kernels that must stay whole say so inline.
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    // Published coefficient tables (AS241, Cephes) keep the digits of their source.
    files: ["src/analysis/**/*.ts"],
    rules: { "no-loss-of-precision": "off" },
  },
  {
    // describe() blocks are lists of tests, not functions to read at once.
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: { "max-lines-per-function": "off" },
  },
  {
    // Tests match column-aligned text, whose spaces are what is tested, and edit arbitrary JSON.
    files: ["test/**/*.ts"],
    rules: { "no-regex-spaces": "off", "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["**/*.mjs", "**/*.cjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", module: "writable", require: "readonly" } },
  },
  prettier,
);
