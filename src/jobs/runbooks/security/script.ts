import { z } from 'zod';
import { messageOf } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import { commandMissing } from '../../../infra/kube-exec.js';
import { firstLine } from '../../health/checks/outcome.js';
import type { ProgressItem, ReportFile, RunReport } from '../../report.js';
import type { Runbook, StepContext } from '../../runbook.js';
import { runReportSchema } from '../catalog-ops-report.js';
import { pickExecPod, requireExec } from './exec-context.js';
import { compileScript, requireScript, scriptsOf } from './script-args.js';

/** `script <name> [param=value ...]`: the name, and each `param=value` word (typed checks come from the config). */
const params = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,40}$/)
      .describe('the name of a script the ops config declares, such as warm-cache'),
    args: z.record(z.string(), z.string()).default({}),
  })
  .strict();
type Params = z.infer<typeof params>;

/** Bytes of output kept (and checkpointed) per run; the rest is counted. */
const keptBytes = 512 * 1024;
/** Output lines shown in the thread; a longer output is attached as a file too. */
const tailLines = 40;
/** Lines shown under the step while it runs. */
const liveLines = 3;
// The step must outlast the longest script the config may declare (6 h); each run is bound by its own timeout.
const stepTimeoutMs = 6 * 3_600_000 + 60_000;

function parseArgs(words: string[], flags: Record<string, string | true>): Record<string, unknown> {
  const [name = '', ...rest] = words;
  const args: Record<string, string> = {};
  const extra: string[] = [];
  for (const word of rest) {
    const m = /^([a-z][a-z0-9_]{0,31})=(.*)$/s.exec(word);
    if (m?.[1] !== undefined && m[2] !== undefined && !(m[1] in args)) args[m[1]] = m[2];
    else extra.push(word);
  }
  return { name, args, ...(extra.length > 0 ? { unexpected: extra.join(' ') } : {}), ...flags };
}

// A report file as the step checkpoints it (JSON).
const fileSchema = z.object({
  filename: z.string(),
  title: z.string(),
  content: z.string(),
  encoding: z.enum(['utf8', 'base64']),
});

interface ScriptOutput {
  script: string;
  pod: string;
  container: string;
  argv: string[];
  exitCode?: number;
  failure?: string;
  missing: boolean;
  output: string;
  droppedBytes: number;
  seconds: number;
}

/** Keeps the output as it arrives (bounded) and shows its last lines under the step. */
class Transcript {
  text = '';
  dropped = 0;
  private bytes = 0;
  private lastShown = '';

  constructor(private readonly show: (tail: string) => void) {}

  add(chunk: string): void {
    const room = keptBytes - this.bytes;
    const bytes = Buffer.byteLength(chunk);
    if (room <= 0) {
      this.dropped += bytes;
      return;
    }
    // Both streams are bounded already; this bounds them together, cutting at a character.
    const kept =
      bytes <= room
        ? chunk
        : Buffer.from(chunk)
            .subarray(0, room)
            .toString('utf8')
            .replace(/\uFFFD$/, '');
    this.text += kept;
    this.bytes += Buffer.byteLength(kept);
    this.dropped += bytes - Buffer.byteLength(kept);
    const lines = this.text.split('\n').filter((l) => l.trim() !== '');
    const tail = lines
      .slice(-liveLines)
      .map((l) => firstLine(l, 200))
      .join(' ⏎ ');
    if (tail !== this.lastShown) {
      this.lastShown = tail;
      this.show(tail);
    }
  }
}

async function runScript(ctx: StepContext<Params>): Promise<ScriptOutput> {
  const script = requireScript(ctx.target, ctx.params.name);
  // Checked again here: the config may have changed since the command was accepted.
  const argv = compileScript(ctx.target, script, ctx.params.args);
  const pod = await pickExecPod(ctx, script.container);
  const title = `Run ${script.name} in ${pod.name}`;
  ctx.progress([{ id: 'run', title, status: 'running', summary: argv.join(' ') }]);
  const transcript = new Transcript((tail) => ctx.progress([{ id: 'run', title, status: 'running', summary: tail }]));
  const started = Date.now();
  const result = await requireExec(ctx).exec(pod.name, pod.container, argv, {
    signal: ctx.signal,
    timeoutMs: script.timeoutSeconds * 1000,
    maxOutputBytes: keptBytes,
    onOutput: (_stream, text) => transcript.add(text),
  });
  return {
    script: script.name,
    pod: pod.name,
    container: pod.container,
    argv,
    exitCode: result.exitCode,
    failure: result.failure,
    missing: commandMissing(result),
    output: transcript.text,
    droppedBytes: transcript.dropped + result.dropped.stdout + result.dropped.stderr,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

function scriptReport(target: Parameters<Runbook<Params>['report']>[0], out: ScriptOutput, runId?: string): RunReport {
  const where = `${target.service.displayName} (${target.environment})`;
  const lines = out.output.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const ok = out.exitCode === 0;
  const outcome = ok
    ? `finished in ${out.seconds} s`
    : out.missing
      ? `could not start: ${out.argv[0] ?? ''} is not in container ${out.container}`
      : out.exitCode !== undefined
        ? `exited with ${out.exitCode} after ${out.seconds} s`
        : `failed: ${firstLine(out.failure ?? 'no exit status')}`;
  const item: ProgressItem = {
    id: 'run',
    title: `${out.script} in ${out.pod}/${out.container}`,
    status: ok ? 'ok' : 'fail',
    value: ok ? `exit 0` : out.exitCode !== undefined ? `exit ${out.exitCode}` : 'no exit',
    summary: `${out.argv.join(' ')} · ${countOf(lines.length, 'output line')}`,
  };
  const shown = lines.slice(-tailLines);
  const details: RunReport['details'] = [
    {
      title: lines.length > shown.length ? `Output (last ${shown.length} of ${lines.length} lines)` : 'Output',
      lines: shown.length > 0 ? shown : ['(no output)'],
    },
  ];
  if (out.droppedBytes > 0) {
    details.push({
      title: 'Output cut',
      lines: [`${out.droppedBytes} bytes past the first ${keptBytes / 1024} KiB were not kept`],
    });
  }
  const files: ReportFile[] =
    lines.length > shown.length
      ? [
          {
            filename: `${out.script}-${runId ?? out.pod}.log`,
            title: `${out.script} output (${countOf(lines.length, 'line')})`,
            content: out.output,
            encoding: 'utf8',
          },
        ]
      : [];
  return {
    status: ok ? 'ok' : 'fail',
    headline: `Script ${out.script} on ${where} ${outcome}`,
    items: [item],
    details,
    ...(files.length > 0 ? { files } : {}),
  };
}

/**
 * The ops config's pod scripts (THERMALIQ "Benchmark Data Refresh", "Warm Cache After Maintenance"): a declared
 * command run in a pod of the service through the exec API, never a shell; its risk is the one the config declares.
 */
export const scriptRunbook: Runbook<Params> = {
  name: 'script',
  summary: 'Run a command the ops config declares (e.g. update-benchmarks, warm-cache) in a pod of the service',
  usage: 'script <name> [param=value ...] [--env NAME]',
  examples: ['script warm-cache facilities=F-1001,F-1002', 'script update-benchmarks regions=all'],
  risk: 'read',
  minRole: 'viewer',
  params,
  parseArgs,
  riskFor(target, p) {
    return scriptsOf(target).find((s) => s.name === p.name)?.risk ?? 'read';
  },
  async validate(ctx, p) {
    compileScript(ctx.target, requireScript(ctx.target, p.name), p.args);
    requireExec(ctx);
  },
  async plan(ctx, p) {
    const script = requireScript(ctx.target, p.name);
    const argv = compileScript(ctx.target, script, p.args);
    const kube = ctx.target.env.kubernetes;
    const pod = await pickExecPod(ctx, script.container).catch((err: unknown) => new Error(messageOf(err)));
    return {
      summary: `Run ${script.name} (${script.risk}) in a pod of ${kube?.namespace ?? '?'}: ${argv.join(' ')}`,
      fields: [
        { label: 'Script', value: `${script.name}: ${script.summary}` },
        { label: 'Command', value: argv.join(' ') },
        {
          label: 'Pod',
          value:
            pod instanceof Error ? `none now: ${firstLine(pod.message)}` : `${pod.name} (container ${pod.container})`,
        },
        { label: 'Timeout', value: `${script.timeoutSeconds} s` },
      ],
      steps: [`Run ${argv.join(' ')} in the first running, ready pod of ${kube?.labelSelector ?? 'the service'}`],
      material: { script: script.name, argv, container: script.container ?? null, namespace: kube?.namespace ?? null },
    };
  },
  initialProgress: (_target, p) => [{ id: 'run', title: `Run ${p.name}`, status: 'pending' }],
  steps: [
    {
      name: 'run',
      title: 'Run the script',
      timeoutMs: stepTimeoutMs,
      // A script is the service's own code, doing what it does: one that was interrupted is never started again
      // by a re-delivery; a person looks first.
      destructive: true,
      async run(ctx) {
        return scriptReport(ctx.target, await runScript(ctx), ctx.runId);
      },
    },
  ],
  report(_target, _p, outputs) {
    return runReportSchema.extend({ files: z.array(fileSchema).optional() }).parse(outputs.run);
  },
};
