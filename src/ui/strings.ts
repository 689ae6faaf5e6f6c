/**
 * Every user-facing string of the app, in English; the other languages follow it key by key (strings.zh.ts is typed
 * `Strings`, so the compiler rejects a missing or extra key, and tests/unit/ui/strings.test.ts walks both). A new
 * string goes here first, then into every translation. Sentences with values are functions, so a language can put
 * the values where its grammar wants them. Message type names (AppendEntries, RequestVote) are the paper's and stay
 * untranslated. `strings` is what the UI reads: locale.ts swaps the active language into it.
 */
import type { NodeId, Role } from '../raft/types.ts'
import type { NodeState } from '../cluster/scheduler.ts'
import type { RuntimeNotice } from '../cluster/runtime.ts'
import type { DropReason } from '../sim/network.ts'
import type { MsgKind } from './state/messages.ts'
import type { Category, VoteRefusal } from './state/records.ts'

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`
const range = (from: number, to: number) => (from === to ? `${from}` : `${from}–${to}`)

export const en = {
  // Kept for the debug panel (src/ui/debug/).
  appName: 'Raft Lab',
  tagline: 'Watch and break a real Raft cluster.',

  app: {
    title: 'Raft Lab',
    loading: 'Starting the cluster…',
  },

  roles: {
    follower: 'follower',
    precandidate: 'pre-candidate',
    candidate: 'candidate',
    leader: 'leader',
  } satisfies Record<Role, string>,

  /** Short role names for tight places (the timeline's labels). */
  rolesShort: {
    follower: 'follower',
    precandidate: 'pre-cand.',
    candidate: 'candidate',
    leader: 'leader',
  } satisfies Record<Role, string>,

  states: {
    starting: 'recovering',
    up: 'up',
    paused: 'paused',
    crashed: 'crashed',
    corrupt: 'disk corrupted',
    removed: 'removed',
  } satisfies Record<NodeState, string>,

  node: {
    learner: 'learner',
    joining: 'joining',
    term: (t: number) => `term ${t}`,
    termShort: (t: number) => `T${t}`,
    votes: (granted: number, voters: number) => `votes ${granted}/${voters}`,
    held: (n: number) => `${n} waiting`,
  },

  msgKinds: {
    append: 'AppendEntries',
    heartbeat: 'Heartbeat',
    vote: 'RequestVote',
    prevote: 'PreVote',
    snapshot: 'InstallSnapshot',
    timeout: 'TimeoutNow',
  } satisfies Record<MsgKind, string>,

  graph: {
    label: 'Cluster graph',
    failed: (why: string) => `The cluster graph could not be drawn (${why}). Reload the page; the cluster itself keeps running.`,
  },

  legend: {
    title: 'Legend',
    reply: 'reply (hollow), ✓ yes ✗ no',
    cut: 'cut link',
    oneWay: 'one-way cut (⊣ = blocked end)',
    timer: 'ring = election timer',
    show: 'Show legend',
    hide: 'Hide legend',
  },

  topbar: {
    preset: 'Preset',
    play: 'Play',
    pause: 'Pause',
    step: 'Step',
    stepTip: 'Process the next event (pauses first)',
    speed: 'Speed',
    speedValue: (x: string) => `${x}×`,
    actual: (x: string) => `actual ${x}×`,
    actualTip: 'The nodes cannot keep up with the chosen speed on this machine: this is how fast virtual time really passes.',
    fastForward: 'Fast-forward',
    fastForwardTip: (s: number) => `Run ${s} s of virtual time as fast as possible`,
    seconds: 'seconds',
    clock: 'Virtual time',
    clockValue: (s: string) => `t = ${s} s`,
    storage: 'Storage',
    durable: 'durable',
    volatile: 'volatile',
    storageTip: 'Durable: each node keeps its log in IndexedDB and survives a crash. Volatile: in memory only; a crash loses everything. Applies to each node at its next start.',
    share: 'Share link',
    shareTip: 'Copy a link that opens this same setup',
    copied: 'Link copied to the clipboard.',
    copyFailed: 'Copy this link:',
    newCluster: 'New cluster',
    help: 'Help',
    theme: 'Theme',
    themeLight: 'Light theme',
    themeDark: 'Dark theme',
    panel: 'Side panel',
    panelShow: 'Show side panel',
    panelHide: 'Hide side panel',
  },

  tabs: {
    inspector: 'Inspector',
    client: 'Client',
    settings: 'Network & Raft',
    events: 'Events',
  },

  actions: {
    crash: 'Crash',
    restart: 'Restart',
    pauseNode: 'Pause',
    resumeNode: 'Resume',
    timeout: 'Election timeout',
    timeoutTip: 'Make this node’s election timer fire now',
    wipe: 'Wipe disk',
    wipeTip: 'Crash this node, erase its disk and restart it empty',
    transfer: 'Make leader',
    transferTip: 'Ask the leader to transfer leadership to this node',
    remove: 'Remove',
    removeTip: 'Remove this node through a membership change',
    replace: 'Replace',
    replaceTip: 'Add a new node, then remove this one',
    addNode: 'Add node',
    addNodeTip: 'Start a new node; it joins as a learner, catches up and is promoted to voter',
    isolate: 'Isolate',
    reconnect: 'Reconnect',
    isolateTip: 'Cut this node off from every other node',
    heal: 'Heal network',
    healTip: 'Remove every partition, cut and isolation',
    partition: 'Partition selected | rest',
    partitionTip: 'The selected nodes form one side, everyone else the other',
    addGroup: 'Make a group',
    addGroupTip: 'The selected nodes become one more partition group',
    cutOne: (from: NodeId, to: NodeId) => `Cut ${from}→${to}`,
    cutBoth: 'Cut both ways',
    restoreLink: 'Restore link',
    drop: 'Drop it',
    duplicate: 'Duplicate it',
    close: 'Close',
    nodeActions: (id: NodeId) => `${id}:`,
    toolbar: 'Node and network actions',
    hint: 'Click a node (1–9), shift-click or drag to select several, click a link or a message.',
    selection: (ids: NodeId[]) => `Selected: ${ids.join(', ')}`,
    linkActions: (a: NodeId, b: NodeId) => `Link ${a} ↔ ${b}`,
    confirmRemove: (id: NodeId) => `Remove ${id} from the cluster? It leaves through a membership change and its disk is deleted.`,
    confirmWipe: (id: NodeId) => `Wipe ${id}'s disk? It restarts empty and must catch up from the leader.`,
    noNode: 'Select a node first (click it, or press 1–9).',
    failed: (what: string, why: string) => `${what} failed: ${why}`,
    adding: 'Adding a node',
    removing: (id: NodeId) => `Removing ${id}`,
    replacing: (id: NodeId) => `Replacing ${id}`,
  },

  message: {
    title: (kind: string, from: NodeId, to: NodeId) => `${kind} ${from} → ${to}`,
    reply: 'reply',
    sentAt: 'sent at',
    arrivesAt: 'arrives at',
    gone: 'This message has already arrived or been lost.',
    pauseHint: 'Pause the cluster to drop or duplicate a message.',
    entries: (n: number) => plural(n, 'entry', 'entries'),
    ms: (v: number) => `${v} ms`,
  },

  log: {
    title: 'Logs',
    followTail: 'Follow the tail',
    zoomIn: 'Wider entries',
    zoomOut: 'Narrower entries',
    commitLine: (i: number) => `commit ${i}`,
    snapshot: (i: number, t: number) => `snapshot ≤ ${i} (T${t})`,
    matchNextTip: 'On a follower’s row: the leader’s match (m) and next (n) index for it',
    rowSummary: (id: NodeId, first: number, last: number, commit: number, applied: number, snap: number) =>
      `${id}: entries ${first}–${last}, commit ${commit}, applied ${applied}, snapshot ${snap}`,
    empty: 'empty',
    legendCommitted: 'committed',
    legendUncommitted: 'hatched = not committed',
    legendMatchNext: '▲ match · △ next',
    legendApplied: '✓ = applied',
    legendConflict: 'red outline = conflicts with the leader',
  },

  inspector: {
    none: 'Click a node in the graph (or press 1–9) to inspect it.',
    overview: 'All nodes',
    node: 'node',
    last: 'last',
    hardState: 'Hard state (persisted before sending)',
    volatileState: 'Volatile state (memory)',
    term: 'term',
    vote: 'vote',
    commit: 'commit',
    role: 'role',
    leader: 'leader',
    applied: 'applied',
    lastIndex: 'last index',
    firstIndex: 'first index',
    snapshot: 'snapshot',
    snapshotValue: (i: number, t: number) => `${i} (T${t})`,
    timer: 'election timer',
    timerValue: (elapsed: number, timeout: number) => `${elapsed} / ${timeout} ticks`,
    votes: 'votes (granted / rejected)',
    members: 'configuration',
    voters: 'voters',
    learners: 'learners',
    progress: 'Leader’s progress per peer',
    peer: 'peer',
    match: 'match',
    next: 'next',
    state: 'state',
    disk: 'Disk versus memory',
    storageMode: 'storage',
    onDisk: 'on disk',
    inMemory: 'in memory only',
    diskLog: (to: number) => (to > 0 ? `log up to index ${to}` : 'no log entries'),
    memLog: (from: number, to: number) => (to >= from ? `entries ${from}–${to} not yet written` : 'nothing unwritten'),
    diskHard: (term: number, vote: NodeId | null) => `term ${term}, vote ${vote ?? '—'}`,
    diskSnap: (i: number) => (i > 0 ? `snapshot up to ${i}` : 'no snapshot'),
    volatileNote: 'Volatile storage: the “disk” is memory too, so a crash loses everything.',
    memApplied: (n: number) => `key/value store: ${plural(n, 'key', 'keys')}, applied up to the applied index`,
    recovery: 'Last start',
    recoveredFrom: (r: { empty: boolean; term: number; vote: NodeId | null; commit: number; firstIndex: number; lastIndex: number }) =>
      r.empty ? 'started with an empty disk' : `found term ${r.term}, vote ${r.vote ?? '—'}, commit ${r.commit}, log ${r.firstIndex}–${r.lastIndex}`,
    log: 'Log (latest entries)',
    kv: 'Key/value contents',
    kvEmpty: 'empty',
    error: 'Error',
    na: '—',
  },

  kv: {
    title: 'Key/value client',
    op: 'Operation',
    key: 'Key',
    value: 'Value',
    expected: 'Expected',
    expectedTip: 'cas sets the value only if the key currently holds this (empty = absent)',
    submit: 'Send',
    ops: { set: 'set', get: 'get', delete: 'delete', cas: 'cas' },
    history: 'Your operations',
    none: 'No operations yet. Send one: it goes to the leader, following redirects and retrying through elections.',
    status: { pending: 'pending', ok: 'ok', fail: 'failed', unknown: 'unknown' },
    latency: (ms: number) => `${ms} ms`,
    index: (i: number) => `@${i}`,
    via: (n: NodeId) => `via ${n}`,
    result: (v: string | null | undefined) => (v === null || v === undefined ? '∅' : v),
    absent: '∅',
    load: 'Load',
    loadTip: 'Keep four clients busy with a steady mix of set, get, delete and cas',
    loadStats: (ok: number, fail: number, unknown: number, p50: number, p99: number) =>
      `${ok} ok, ${fail} failed, ${unknown} unknown; latency p50 ${Math.round(p50)} ms, p99 ${Math.round(p99)} ms`,
    contents: 'Each node’s contents',
    contentsTip: 'A follower behind the leader shows older values (highlighted).',
    lagging: 'differs from the leader',
    keyCol: 'key',
    keyRequired: 'A key is required.',
  },

  settings: {
    network: 'Network (every link)',
    latency: 'Latency (ms)',
    jitter: 'Jitter (ms)',
    drop: 'Drop rate',
    duplicate: 'Duplicate rate',
    reorder: 'Reorder rate',
    link: 'One link',
    linkFrom: 'from',
    linkTo: 'to',
    linkReset: 'Use the defaults',
    partitions: 'Partitions',
    noFaults: 'No partition, cut or isolated node.',
    group: (i: number, ids: NodeId[]) => `Group ${i}: ${ids.join(', ')}`,
    rest: (ids: NodeId[]) => `Everyone else: ${ids.join(', ')}`,
    cuts: (c: string[]) => `Cut links: ${c.join(', ')}`,
    isolated: (ids: NodeId[]) => `Isolated: ${ids.join(', ')}`,
    partitionHint: 'Select nodes in the graph (shift-click or drag a box), then make them a group. Click a link to cut it.',
    raft: 'Raft parameters (applied live)',
    electionTick: 'Election timeout (ticks)',
    electionTickTip: 'Each timeout is drawn from [T, 2T) ticks',
    heartbeatTick: 'Heartbeat interval (ticks)',
    tickMs: (ms: number) => `One tick is ${ms} ms of virtual time.`,
    preVote: 'Pre-vote',
    checkQuorum: 'Check quorum',
    snapshotEvery: 'Snapshot every (entries)',
    apply: 'Apply',
    invalid: (what: string) => `${what}: not a valid value.`,
  },

  events: {
    title: 'Event log',
    filter: 'Search',
    filterPlaceholder: 'e.g. n3 or term 5',
    categories: {
      election: 'elections',
      replication: 'replication',
      heartbeat: 'heartbeats',
      client: 'clients',
      fault: 'faults',
      network: 'network',
      storage: 'storage',
      you: 'your actions',
    } satisfies Record<Category, string>,
    follow: 'Follow',
    count: (shown: number, total: number) => `${shown} of ${total}`,
    none: 'Nothing yet.',
    at: (ms: number) => `${(ms / 1000).toFixed(3)} s`,
  },

  newCluster: {
    title: 'New cluster',
    nodes: 'Nodes',
    seed: 'Seed',
    seedTip: 'Same seed, same setup, same actions: the same run',
    storage: 'Storage',
    start: 'Start',
    cancel: 'Cancel',
    warning: 'This deletes the current cluster and every node’s disk.',
  },

  presets: {
    three: '3 nodes',
    five: '5 nodes',
    lossy: 'Lossy network',
    partitionedLeader: 'Partitioned leader',
    threeTip: 'Three nodes on a quiet network',
    fiveTip: 'Five nodes on a quiet network',
    lossyTip: 'Five nodes; a fifth of messages lost, some duplicated and reordered',
    partitionedLeaderTip: 'Five nodes with load; once a leader is elected it is cut off with one follower',
    scenarioFired: (leader: NodeId, buddy: NodeId) => `Preset: ${leader} was leader, so ${leader} and ${buddy} are now cut off from the other three.`,
  },

  help: {
    title: 'Keyboard shortcuts',
    intro: 'Shortcuts work anywhere except while typing in a field.',
    close: 'Close',
    key: 'Key',
    action: 'Action',
    groups: { time: 'Time', nodes: 'Nodes', network: 'Network and cluster', view: 'View' },
    shortcuts: {
      playPause: 'Play / pause',
      step: 'Single step (next event)',
      slower: 'Slower',
      faster: 'Faster',
      fastForward: 'Fast-forward N seconds',
      select: 'Select node n1…n9',
      crash: 'Crash / restart the selected node',
      pauseNode: 'Pause / resume the selected node',
      timeout: 'Force an election timeout',
      wipe: 'Wipe the selected node’s disk',
      transfer: 'Transfer leadership to the selected node',
      remove: 'Remove the selected node',
      replace: 'Replace the selected node',
      isolate: 'Isolate / reconnect the selected node',
      heal: 'Heal the network',
      addNode: 'Add a node',
      load: 'Load on / off',
      share: 'Copy a share link',
      newCluster: 'New cluster',
      theme: 'Light / dark theme',
      panel: 'Show / hide the side panel',
      inspector: 'Inspector tab',
      client: 'Client tab',
      settings: 'Network & Raft tab',
      events: 'Events tab',
      help: 'This help',
      escape: 'Close dialogs, clear the selection',
      language: 'English / Chinese',
    },
  },

  banner: {
    dismiss: 'Dismiss',
    takeOver: 'Take over here',
    reload: 'Reload',
    badUrl: (why: string) => `This link could not be opened: ${why} The default cluster opens instead.`,
    recovered: 'The cluster was restored from this browser’s storage: a reload is a crash of every node, and each one recovered from its disk.',
  },

  url: {
    tooLong: 'it is too long.',
    badVersion: (v: string) => `it uses link format “${v}”, which this version of Raft Lab does not know.`,
    repeated: (k: string) => `the parameter “${k}” appears more than once.`,
    badValue: (k: string) => `the value of “${k}” is not valid.`,
    outOfRange: (k: string, lo: number, hi: number) => `“${k}” must be between ${lo} and ${hi}.`,
    badNode: (k: string) => `“${k}” names a node that is not in the cluster.`,
    heartbeat: 'the heartbeat interval must be shorter than the election timeout.',
  },

  /** Sentences of the event log. */
  narrate: {
    roleTimer: (n: NodeId, role: string, term: number) => `${n}'s election timer fired: ${n} becomes ${role} for term ${term} and votes for itself`,
    preTimer: (n: NodeId, term: number, next: number) => `${n}'s election timer fired: ${n} becomes pre-candidate and asks for pre-votes for term ${next} (it stays in term ${term})`,
    roleForced: (n: NodeId, role: string, term: number) => `${n} was told to campaign: ${n} becomes ${role} for term ${term} and votes for itself`,
    preForced: (n: NodeId, next: number) => `${n} was told to campaign: ${n} becomes pre-candidate and asks for pre-votes for term ${next}`,
    prevoteWon: (n: NodeId, term: number) => `${n} won the pre-vote: ${n} becomes candidate for term ${term} and votes for itself`,
    transfer: (n: NodeId, term: number) => `${n} received TimeoutNow: ${n} becomes candidate for term ${term} at once (leadership transfer)`,
    won: (n: NodeId, term: number, votes: number, voters: number) => `${n} wins the election for term ${term} with ${votes} of ${voters} votes and becomes leader`,
    higherTerm: (n: NodeId, role: string, term: number) => `${n} learns of term ${term} and becomes ${role}`,
    stepDown: (n: NodeId, term: number) => `${n} steps down: it learned of term ${term}, so it is no longer leader`,
    lostQuorum: (n: NodeId, term: number) => `${n} steps down in term ${term}: it has not heard from a majority (check quorum)`,
    leaderFound: (n: NodeId, term: number) => `${n} stops campaigning: it heard from the leader of term ${term}`,
    lostVote: (n: NodeId, pre: boolean, term: number) => `${n} lost the ${pre ? 'pre-vote' : 'election'} for term ${term} and goes back to follower`,
    newElection: (n: NodeId, term: number) => `${n}'s election timer fired again: no winner yet, so ${n} starts a new election for term ${term}`,
    otherRole: (n: NodeId, from: string, to: string, term: number) => `${n} goes from ${from} to ${to} (term ${term})`,
    term: (n: NodeId, prev: number, term: number) => `${n} moves from term ${prev} to term ${term}`,
    append: (from: NodeId, to: NodeId, n: number, prev: number, prevTerm: number, commit: number) =>
      `${from} sends AppendEntries to ${to}: ${plural(n, 'entry', 'entries')} after index ${prev} (term ${prevTerm}), commit ${commit}`,
    probe: (from: NodeId, to: NodeId, prev: number, prevTerm: number) => `${from} probes ${to} with AppendEntries at index ${prev} (term ${prevTerm})`,
    appendOk: (from: NodeId, to: NodeId, index: number) => `${from} accepts AppendEntries from ${to}: its log matches up to index ${index}`,
    appendReject: (from: NodeId, to: NodeId, index: number, hint?: number) =>
      `${from} rejects AppendEntries from ${to}: log mismatch at index ${index}${hint !== undefined ? ` (its log ends at ${hint})` : ''}`,
    heartbeat: (from: NodeId, to: NodeId, commit: number) => `${from} sends a heartbeat to ${to} (commit ${commit})`,
    heartbeatReply: (from: NodeId, to: NodeId) => `${from} answers ${to}'s heartbeat`,
    voteReq: (from: NodeId, to: NodeId, term: number, last: number, lastTerm: number) =>
      `${from} asks ${to} for its vote in term ${term} (last entry ${last}, term ${lastTerm})`,
    prevoteReq: (from: NodeId, to: NodeId, term: number) => `${from} asks ${to} for a pre-vote for term ${term}`,
    voteGrant: (from: NodeId, to: NodeId, term: number) => `${from} grants its vote to ${to} for term ${term}`,
    prevoteGrant: (from: NodeId, to: NodeId, term: number) => `${from} would vote for ${to} in term ${term} (pre-vote granted)`,
    voteRefuse: (from: NodeId, to: NodeId, pre: boolean, why: string) => `${from} refuses ${pre ? 'a pre-vote' : 'its vote'} to ${to}: ${why}`,
    refusal: {
      alreadyVoted: (who: NodeId | null) => `it already voted for ${who ?? 'another node'} in this term`,
      staleTerm: (t: number) => `it is already in term ${t}`,
      logBehind: (cand: NodeId) => `${cand}'s log is not as up to date as its own`,
      leaderAlive: (l: NodeId | null) => `it still hears from leader ${l ?? ''}`.trim(),
      unknown: 'no reason given',
    } satisfies Record<VoteRefusal, unknown>,
    snap: (from: NodeId, to: NodeId, index: number, term: number) => `${from} sends a snapshot (up to index ${index}, term ${term}) to ${to}`,
    snapReply: (from: NodeId, to: NodeId, ok: boolean) => (ok ? `${from} acknowledges ${to}'s snapshot` : `${from} refuses ${to}'s snapshot`),
    timeoutNow: (from: NodeId, to: NodeId) => `${from} tells ${to} to campaign now (leadership transfer)`,
    duplicatedByNet: ' (the network duplicates it)',
    dropped: (kind: string, from: NodeId, to: NodeId, why: string) => `${kind} from ${from} to ${to} is lost: ${why}`,
    dropReason: {
      loss: 'the network dropped it',
      partition: 'they are in different partitions',
      cut: 'the link is cut',
      isolated: 'a node is isolated',
    } satisfies Record<DropReason, string>,
    lostDown: (kind: string, from: NodeId, to: NodeId) => `${kind} from ${from} to ${to} arrives at a node that is down: lost`,
    lostRemoved: (kind: string, from: NodeId, to: NodeId) => `${kind} from ${from} to ${to} arrives at a removed node: lost`,
    lostByYou: (kind: string, from: NodeId, to: NodeId) => `You dropped ${kind} from ${from} to ${to}`,
    duplicatedByYou: (kind: string, from: NodeId, to: NodeId) => `You duplicated ${kind} from ${from} to ${to}`,
    held: (kind: string, from: NodeId, to: NodeId) => `${to} is paused: ${kind} from ${from} waits until it resumes`,
    commit: (n: NodeId, from: number, to: number) => `${n} commits ${from === to ? `index ${to}` : `indexes ${range(from, to)}`}: a majority has them`,
    applied: (n: NodeId, from: number, to: number) => `${n} applies ${from === to ? `entry ${to}` : `entries ${range(from, to)}`} to its key/value store`,
    snapshotTaken: (n: NodeId, index: number, term: number) => `${n} takes a snapshot up to index ${index} (term ${term}) and compacts its log`,
    snapshotInstalled: (n: NodeId, index: number, term: number) => `${n} installs a snapshot up to index ${index} (term ${term})`,
    persisted: (n: NodeId, entries: number, hard: boolean) =>
      `${n} writes ${plural(entries, 'entry', 'entries')}${hard ? ' and its hard state' : ''} to disk`,
    nodeError: (n: NodeId, m: string) => `${n} reports an error: ${m}`,
    state: {
      starting: (n: NodeId) => `${n} is starting: it reads its disk`,
      up: (n: NodeId) => `${n} is up`,
      paused: (n: NodeId) => `${n} is paused: its clock stops and messages to it wait`,
      crashedDurable: (n: NodeId) => `${n} crashed: its memory is gone; its disk survives`,
      crashedVolatile: (n: NodeId) => `${n} crashed: its memory is gone, and with volatile storage so is its log`,
      crashedError: (n: NodeId, e: string) => `${n} crashed: ${e}`,
      corrupt: (n: NodeId, e: string) => `${n}'s disk is corrupted (${e}); wipe its disk to start it empty`,
      removed: (n: NodeId) => `${n} has left the cluster`,
    },
    recovered: (n: NodeId, term: number, vote: NodeId | null, first: number, last: number, commit: number) =>
      `${n} recovered from its disk: term ${term}, vote ${vote ?? '—'}, log ${first}–${last}, commit ${commit}`,
    recoveredEmpty: (n: NodeId) => `${n} started with an empty disk`,
    clientOk: (c: string, what: string, index: number | undefined, ms: number, node: NodeId | undefined, result: string) =>
      `client ${c}: ${what} → ok${result ? ` (${result})` : ''}${index !== undefined ? ` at index ${index}` : ''} in ${ms} ms${node ? `, answered by ${node}` : ''}`,
    clientFail: (c: string, what: string, why: string) => `client ${c}: ${what} → failed: ${why}`,
    clientUnknown: (c: string, what: string, ms: number) => `client ${c}: ${what} → unknown: no answer after ${ms} ms; it may or may not have taken effect`,
    clientInvoke: (c: string, what: string) => `client ${c} sends ${what}`,
    admin: (n: NodeId, what: string, ok: boolean, err?: string) => `${n}: ${what} → ${ok ? 'ok' : `refused${err ? `: ${err}` : ''}`}`,
    casSwapped: 'swapped',
    casNo: (v: string) => `no, value ${v}`,
    adminTransfer: (to: NodeId) => `transfer leadership to ${to}`,
    adminSnapshot: 'take a snapshot',
  },

  /** Notes the UI adds to the event log when the user acts. */
  you: {
    crash: (n: NodeId) => `You crashed ${n}`,
    restart: (n: NodeId) => `You restarted ${n}`,
    pause: (n: NodeId) => `You paused ${n}`,
    resume: (n: NodeId) => `You resumed ${n}`,
    timeout: (n: NodeId) => `You fired ${n}'s election timer`,
    wipe: (n: NodeId) => `You wiped ${n}'s disk`,
    transfer: (from: NodeId, to: NodeId) => `You asked ${from} to hand leadership to ${to}`,
    addNode: 'You asked for a new node',
    step: (s: string) => s,
    remove: (n: NodeId) => `You asked to remove ${n}`,
    replace: (n: NodeId) => `You asked to replace ${n}`,
    isolate: (n: NodeId) => `You isolated ${n}`,
    reconnect: (n: NodeId) => `You reconnected ${n}`,
    heal: 'You healed the network',
    partition: (groups: NodeId[][]) => `You partitioned the network: ${groups.map((g) => g.join(' ')).join(' | ')}`,
    cut: (from: NodeId, to: NodeId) => `You cut the link ${from}→${to}`,
    uncut: (a: NodeId, b: NodeId) => `You restored the link ${a}↔${b}`,
    network: 'You changed the network settings',
    params: 'You changed the Raft parameters',
    storage: (mode: string) => `Storage is now ${mode} (each node switches at its next start)`,
    load: (on: boolean) => (on ? 'Load on: four clients keep the cluster busy' : 'Load off'),
  },

  /** The language switch. Each language's name is written in that language, in every locale. */
  lang: {
    label: 'Language',
    names: { en: 'English', zh: '中文' },
    short: { en: 'EN', zh: '中文' },
    switchTip: (current: string, other: string) => `Language: ${current}. Switch to ${other}`,
    loadFailed: (why: string) => `The other language could not be loaded (${why}); the lab stays in English.`,
  },

  /** The steps of a membership change (adding, removing, replacing a node). */
  membership: {
    learnerStarted: (node: NodeId, leader: NodeId) => `${node} started empty; asking ${leader} to add it as a learner`,
    catchingUp: (node: NodeId) => `${node} is a learner; catching up`,
    promoting: (node: NodeId) => `${node} caught up; promoting it to voter`,
    voter: (node: NodeId) => `${node} is a voter`,
    removing: (node: NodeId, leader: NodeId) => `asking ${leader} to remove ${node}`,
    removed: (node: NodeId) => `${node} removed`,
  },

  /** What the page says about the cluster's runtime (tab locks, start-up). */
  runtime: {
    couldNotStart: (why: string) => `The cluster could not start: ${why}. Reload the page to try again; if that fails, start a new cluster.`,
    busyElsewhere: 'This cluster is already running in another tab. Two tabs would corrupt its disks, so this one waits. Use “Take over here” to move it to this tab.',
    takenOver: 'This cluster is now running in another tab. Reload this page to take it back.',
    noLeader: 'there is no leader right now; try again once one is elected.',
    notices: {
      'storage-unavailable': (why: string) => `Browser storage is unavailable (${why}); the cluster runs in memory only and a reload starts afresh.`,
      stopped: (why: string) => `The simulation stopped: ${why}`,
      'storage-full': (node: string) =>
        `Browser storage is full: ${node} could not write its log. The cluster now uses volatile storage (memory only); free some space and switch back to durable.`,
      'settings-unsaved': (why: string) => `Could not save the cluster's settings: ${why}`,
    } satisfies Record<RuntimeNotice['kind'], (detail: string) => string>,
  },
}

/** The shape of `en` with every text widened to `string` (a sentence that returns one of two literals included). */
type Widen<T> = T extends (...args: infer A) => string ? (...args: A) => string : T extends string ? string : { [K in keyof T]: Widen<T[K]> }
export type Strings = Widen<typeof en>

/** A copy of a strings object: nested objects copied, functions and text shared. */
function copy<T>(o: T): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) out[k] = v !== null && typeof v === 'object' ? copy(v) : v
  return out as T
}

/**
 * The strings in use: English until locale.ts applies another language. The language is swapped in place, part by
 * part, so a reference to a part (`const s = strings.narrate`) follows the switch; read a string when it is shown
 * (not once at module load) so that it does too.
 */
export const strings: Strings = copy(en)
