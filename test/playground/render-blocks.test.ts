import { describe, it } from 'vitest';
import { renderRunReport } from '../../src/bot/views/run-message.js';
import { renderBlocks } from '../../src/playground/render-blocks.js';
import { cases, ctx } from './block-cases.js';
import { expectGolden } from './golden.js';

describe('Block Kit → HTML', () => {
  for (const [name, blocks] of Object.entries(cases)) {
    it(`renders ${name} like the golden file`, () => {
      expectGolden(name, renderBlocks(blocks, ctx));
    });
  }

  it('renders the bot’s real health report (bot/views/run-message.ts)', () => {
    const ref = {
      runId: 'r-0a1b2c3d',
      runbook: 'health',
      service: 'thermaliq',
      serviceName: 'GL-009 THERMALIQ',
      environment: 'production',
      requestedBy: 'UVIEWER1',
      channelId: 'COPS0001',
      messageTs: '1700000000.000100',
    };
    const body = renderRunReport(ref, {
      status: 'warn',
      headline: '1 warning, 11 ok',
      items: [
        { id: 'pods', title: 'Pods', status: 'ok', summary: '2/2 ready', value: '2' },
        {
          id: 'p95',
          title: 'p95 latency (24 h)',
          status: 'warn',
          summary: 'p95 latency 21.3 s',
          value: '21.3 s',
          threshold: '> 20 s',
        },
        { id: 'k8s', title: 'Resource usage', status: 'skipped', summary: 'metrics-server <absent> & not configured' },
      ],
      details: [{ title: 'p95', lines: ['histogram_quantile(0.95, …)'] }],
    });
    expectGolden('bot-health-report', renderBlocks(body.blocks, ctx));
  });
});
