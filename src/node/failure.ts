/**
 * Failures as codes, the same on both sides of the worker boundary: the disks name their errors (src/storage/errors.ts
 * sets a stable `name`, which survives postMessage where the class does not), so the name is the code.
 */
import type { StartFailure, StartFailureCode } from './protocol.ts'

export function codeOf(e: unknown): StartFailureCode {
  const name = e instanceof Error ? e.name : typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : ''
  if (name === 'StorageCorruptError') return 'corrupt'
  if (name === 'StorageQuotaError') return 'quota'
  if (name === 'StorageUnavailableError') return 'unavailable'
  return 'failed'
}

/** A failure as the loop reports it: a code and the error's sentence. */
export function failureOf(e: unknown): StartFailure {
  return { code: codeOf(e), message: e instanceof Error ? e.message : String(e) }
}

/** An error as it crosses the worker boundary in a window's answer: its name (the code, see codeOf) and sentence. */
export function errorFields(e: unknown): { name: string; message: string } {
  return e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) }
}

/** Whether a value is a promise (ports and disks answer at once or later). */
export function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | undefined)?.then === 'function'
}
