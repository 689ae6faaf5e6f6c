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
import { DEFAULT_TICKS, runFuzzSeed, runProfile, type FuzzResult } from './fuzz.ts'
import { MAX_VOTERS, PROFILES, PROFILE_FLAGS, UNSAFE_SWITCHES, profileArgs, type FuzzProfile, type ProfileName } from './options.ts'

interface Args {
  from: number
  seeds: number
  ticks: number
  unsafe: keyof UnsafeSwitches | null
  single: boolean
  verbose: boolean
  lin: boolean
  linMaxStates: number | undefined
  profile: ProfileName | undefined
  set: FuzzProfile
}

const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[]

const USAGE = `usage: fuzz-cli [--seeds N] [--from S] [--seed S] [--ticks T] [--unsafe NAME] [--profile NAME] [profile options] [--no-lin] [--verbose]
  --seeds N    run N seeds (default 100) starting at --from (default 1)
  --seed S     run seed S alone, printing its options and replay command first
  --ticks T    run length in ticks of one node (default ${DEFAULT_TICKS})
  --unsafe X   turn on a deliberate core bug: ${UNSAFE_SWITCHES.join(', ')}
  --no-lin     skip the linearizability check of the client history
  --lin-max-states N  the linearizability checker's state budget per key (a tiny one makes it give up)
  --verbose    one line per seed, passing ones too
Profile (fixed for every seed; everything not fixed is drawn from the seed):
  --profile P          ${PROFILE_NAMES.join(', ')} (the options below override it)
  --nodes N            initial voters (1..${MAX_VOTERS})
  --drop X, --dup X, --reorder X      per-message loss, duplication, reordering (0..1)
  --crash X, --restart X, --partition X, --heal X, --membership X, --transfer X, --figure8 X
                       chances per 100 ms of a crash, a restart, a new partition, healing, starting a
                       membership change, a leadership transfer, a Figure 8 fault script (0..1)
  --snapshot-every N   compact every N applied entries (0: never)
  --chunk N            InstallSnapshot chunk size in characters`

function parse(argv: string[]): Args {
  const a: Args = { from: 1, seeds: 100, ticks: DEFAULT_TICKS, unsafe: null, single: false, verbose: false, lin: true, linMaxStates: undefined, profile: undefined, set: {} }
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v)
    if (v === undefined || !Number.isSafeInteger(n) || n < min) throw new Error(`${flag} needs an integer >= ${min}, got ${v ?? 'nothing'}`)
    return n
  }
  const rate = (flag: string, v: string | undefined): number => {
    const n = Number(v)
    if (v === undefined || v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new Error(`${flag} needs a number from 0 to 1, got ${v ?? 'nothing'}`)
    return n
  }
  const fields = new Map(PROFILE_FLAGS.map(([k, f]) => [f, k]))
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const field = fields.get(flag)
    if (field !== undefined) {
      const v = argv[++i]
      if (field === 'nodes') {
        a.set.nodes = int(flag, v, 1)
        if (a.set.nodes > MAX_VOTERS) throw new Error(`--nodes needs an integer from 1 to ${MAX_VOTERS}, got ${v}`)
      } else if (field === 'snapshotEvery') a.set.snapshotEvery = int(flag, v, 0)
      else if (field === 'chunk') a.set.chunk = int(flag, v, 1)
      else a.set[field] = rate(flag, v)
      continue
    }
    switch (flag) {
      case '--profile': {
        const name = argv[++i]
        if (!PROFILE_NAMES.includes(name as ProfileName)) throw new Error(`--profile needs one of ${PROFILE_NAMES.join(', ')}, got ${name ?? 'nothing'}`)
        a.profile = name as ProfileName
        break
      }
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
  const profile = runProfile(args)
  const fixed = profileArgs(profile, args.profile)
  if (!args.single && fixed !== '') {
    const list = PROFILE_FLAGS.filter(([k]) => profile[k] !== undefined).map(([k, f]) => `${f.slice(2)}=${profile[k]}`)
    process.stdout.write(`profile: ${args.profile ?? 'custom'} (${list.join(' ')}); every other option is drawn from the seed\n`)
  }
  for (let seed = args.from; seed < args.from + args.seeds; seed++) {
    const r = runFuzzSeed({ seed, ticks: args.ticks, unsafe: args.unsafe, linearizability: args.lin, linearizabilityMaxStates: args.linMaxStates, profile: args.profile, set: args.set })
    if (args.single) process.stdout.write(`options: ${r.line}\nreplay: ${r.command}\n`)
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
          `${r.history.length} client ops (${r.reads.readIndex} ReadIndex reads), healed phase: ${r.liveness.elections} elections, ` +
          `leader after ${r.liveness.leaderAt === null ? 'none' : `${r.liveness.leaderAt - r.liveness.start} ms`}, ` +
          `slowest catch-up ${r.liveness.slowestCatchUpMs} ms; trace ${r.hash}\n`,
      )
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const last = args.from + args.seeds - 1
  process.stdout.write(
    `fuzz: ${args.seeds} seed${args.seeds === 1 ? '' : 's'} (${args.from}..${last}), ${args.ticks} ticks` +
      `${fixed !== '' ? `, ${fixed}` : ''}${args.unsafe ? `, unsafe ${args.unsafe}` : ''}: ${failed} failed` +
      `${failed > 0 ? ` (${failedSeeds.slice(0, 20).join(' ')}${failedSeeds.length > 20 ? ' ...' : ''})` : ''}` +
      `${inconclusive > 0 ? `, ${inconclusive} of them inconclusive (the linearizability check gave up)` : ''}; ` +
      `${events} events, ${commits} entries committed, ${confChanges} membership changes, ` +
      `${transfersCompleted}/${transfers} transfers completed, ${readIndexReads} ReadIndex reads in ${seconds.toFixed(1)} s\n`,
  )
  return failed > 0 ? 1 : 0
}

process.exitCode = main()
