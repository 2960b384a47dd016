// Runs the bundled CLI (out/cli/cli.mjs, built by `npm run build:cli`): the benchmark measures
// what ships, not the tsx development loader.
const { main } = await import(new URL('../out/cli/cli.mjs', import.meta.url).href)
process.exitCode = await main(process.argv.slice(2))
