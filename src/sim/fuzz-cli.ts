/**
 * The fuzzer's command line: runs seeds through `runFuzzSeed`, prints the options and violations of every
 * failing seed with the command that replays it, then a summary line. Exit status 1 on any failure.
 *
 *   npx tsx src/sim/fuzz-cli.ts --seeds 200 [--from 1] [--ticks 2000] [--unsafe commitOldTermEntries]
 *   npx tsx src/sim/fuzz-cli.ts --seed 1234        (one seed, with its options printed first)
 *
 * This is the one file under src/sim that may touch the process (arguments, output, exit status, wall time).
 */
import process from 'node:process'
import type { UnsafeSwitches } from '../raft/types.ts'
import { formatViolation } from '../check/safety.ts'
import { DEFAULT_TICKS, runFuzzSeed, type FuzzResult } from './fuzz.ts'
import { UNSAFE_SWITCHES } from './options.ts'

interface Args {
  from: number
  seeds: number
  ticks: number
  unsafe: keyof UnsafeSwitches | null
  single: boolean
  verbose: boolean
  lin: boolean
  linMaxStates: number | undefined
}

const USAGE = `usage: fuzz-cli [--seeds N] [--from S] [--seed S] [--ticks T] [--unsafe NAME] [--no-lin] [--verbose]
  --seeds N    run N seeds (default 100) starting at --from (default 1)
  --seed S     run seed S alone, printing its options first
  --ticks T    run length in ticks of one node (default ${DEFAULT_TICKS})
  --unsafe X   turn on a deliberate core bug: ${UNSAFE_SWITCHES.join(', ')}
  --no-lin     skip the linearizability check of the client history
  --lin-max-states N  the linearizability checker's state budget per key (a tiny one makes it give up)
  --verbose    one line per seed, passing ones too`

function parse(argv: string[]): Args {
  const a: Args = { from: 1, seeds: 100, ticks: DEFAULT_TICKS, unsafe: null, single: false, verbose: false, lin: true, linMaxStates: undefined }
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v)
    if (v === undefined || !Number.isSafeInteger(n) || n < min) throw new Error(`${flag} needs an integer >= ${min}, got ${v ?? 'nothing'}`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    switch (flag) {
      case '--seeds':
        a.seeds = int(flag, argv[++i], 1)
        break
      case '--from':
        a.from = int(flag, argv[++i], 0)
        break
      case '--seed':
        a.from = int(flag, argv[++i], 0)
        a.seeds = 1
        a.single = true
        break
      case '--ticks':
        a.ticks = int(flag, argv[++i], 1)
        break
      case '--unsafe': {
        const name = argv[++i]
        if (!UNSAFE_SWITCHES.includes(name as keyof UnsafeSwitches)) {
          throw new Error(`--unsafe needs one of ${UNSAFE_SWITCHES.join(', ')}, got ${name ?? 'nothing'}`)
        }
        a.unsafe = name as keyof UnsafeSwitches
        break
      }
      case '--no-lin':
        a.lin = false
        break
      case '--lin-max-states':
        a.linMaxStates = int(flag, argv[++i], 1)
        break
      case '--verbose':
        a.verbose = true
        break
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`)
        process.exit(0)
        break
      default:
        throw new Error(`unknown argument ${flag}`)
    }
  }
  return a
}

function report(r: FuzzResult): void {
  const out = process.stdout
  out.write(`${r.inconclusive ? 'INCONCLUSIVE' : 'FAIL'} seed ${r.seed}\n  options: ${r.line}\n`)
  if (r.error !== undefined) out.write(`  error: ${r.error}\n`)
  if (r.inconclusive) {
    out.write(`  linearizability: inconclusive (the checker gave up before deciding; this run is not a pass)\n`)
  }
  for (const v of r.violations.slice(0, 5)) out.write(`  ${formatViolation(v)}\n`)
  if (r.violations.length > 5) out.write(`  ... and ${r.violations.length - 5} more\n`)
  out.write(`  replay: ${r.command}\n`)
}

function main(): number {
  let args: Args
  try {
    args = parse(process.argv.slice(2))
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`)
    return 2
  }
  const started = process.hrtime.bigint()
  let failed = 0
  let inconclusive = 0
  let events = 0
  let commits = 0
  let confChanges = 0
  let transfers = 0
  let transfersCompleted = 0
  let readIndexReads = 0
  const failedSeeds: number[] = []
  for (let seed = args.from; seed < args.from + args.seeds; seed++) {
    const r = runFuzzSeed({
      seed,
      ticks: args.ticks,
      unsafe: args.unsafe,
      linearizability: args.lin,
      linearizabilityMaxStates: args.linMaxStates,
    })
    if (args.single) process.stdout.write(`options: ${r.line}\n`)
    events += r.stats.events
    commits += r.stats.committed
    confChanges += r.stats.confChanges
    transfers += r.operator.transfers
    transfersCompleted += r.operator.transfersCompleted
    readIndexReads += r.reads.readIndex
    if (r.inconclusive) inconclusive++
    if (!r.ok) {
      failed++
      failedSeeds.push(seed)
      report(r)
    } else if (args.verbose || args.single) {
      process.stdout.write(
        `ok seed ${seed}: ${r.stats.events} events, ${r.stats.committed} committed, ${r.safety.elections} elections, ` +
          `${r.stats.confChanges} membership changes, ${r.operator.transfersCompleted}/${r.operator.transfers} transfers, ` +
          `${r.history.length} client ops (${r.reads.readIndex} ReadIndex reads), trace ${r.hash}\n`,
      )
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const last = args.from + args.seeds - 1
  process.stdout.write(
    `fuzz: ${args.seeds} seed${args.seeds === 1 ? '' : 's'} (${args.from}..${last}), ${args.ticks} ticks` +
      `${args.unsafe ? `, unsafe ${args.unsafe}` : ''}: ${failed} failed` +
      `${failed > 0 ? ` (${failedSeeds.slice(0, 20).join(' ')}${failedSeeds.length > 20 ? ' ...' : ''})` : ''}` +
      `${inconclusive > 0 ? `, ${inconclusive} of them inconclusive (the linearizability check gave up)` : ''}; ` +
      `${events} events, ${commits} entries committed, ${confChanges} membership changes, ` +
      `${transfersCompleted}/${transfers} transfers completed, ${readIndexReads} ReadIndex reads in ${seconds.toFixed(1)} s\n`,
  )
  return failed > 0 ? 1 : 0
}

process.exitCode = main()
