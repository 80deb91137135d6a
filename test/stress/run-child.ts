/**
 * Starts build/test/stress/child.js with --expose-gc (so memory is measured after real garbage
 * collections, away from the test runner's own heap) and returns its JSON result. Bounded: the
 * child is killed (by its PID) after `ms`.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const childPath = join(dirname(fileURLToPath(import.meta.url)), 'child.js');

export function runChild<T = Record<string, unknown>>(args: string[], ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', childPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`child ${args.join(' ')} timed out after ${ms} ms; stdout: ${out}; stderr: ${err}`));
    }, ms);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const r = JSON.parse(line) as T & { error?: string };
        if (code !== 0 || r.error) reject(new Error(`child ${args.join(' ')} failed (${code}): ${r.error ?? line}\n${err}`));
        else resolve(r);
      } catch {
        reject(new Error(`child ${args.join(' ')} printed no result (${code}): ${out}\n${err}`));
      }
    });
  });
}

export const MiB = 1 << 20;
export const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;
export const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
