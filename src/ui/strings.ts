/** Every user-facing string of the app, in one place so a translation can follow. */
export const strings = {
  appName: 'Raft Lab',
  tagline: 'Watch and break a real Raft cluster.',
}
