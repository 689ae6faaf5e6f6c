import { fuzzFile } from './clean.ts'

// Randomized runs, VOPR style: options drawn from each seed (3 to 7 nodes; loss, duplication, reordering,
// partitions, one-way cuts, crashes and restarts, slow disks, snapshots, PreVote and CheckQuorum on or off;
// membership changes that add, promote, remove and replace nodes, leaders included; leadership transfers, some
// bound to abort; reads through ReadIndex and through the log), a fault phase, then a healed phase that must
// elect and commit within bounds; every safety checker after every event, and the client history checked for
// linearizability. Several files so that vitest can run them in parallel.
// Replay a seed with: npm run fuzz -- --seed N
fuzzFile(1)
