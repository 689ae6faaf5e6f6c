import { harshFile } from './clean.ts'

// The harsh profile (npm run fuzz -- --profile harsh): loss, duplication and reordering on every link, frequent
// crashes, partitions and membership changes, snapshots every few entries sent in small chunks, and Figure 8
// fault scripts; everything else drawn from the seed. Replay a seed with: npm run fuzz -- --seed N --profile harsh
harshFile(1)
