import { loadKubeLib } from '../infra/kube-lib.js';
import { loadS3Lib, loadS3StorageLib } from '../infra/s3-lib.js';

/**
 * Loads the libraries runbooks use (client-node, the AWS SDK, vega), once the instance is up and before a worker's first job
 * runs. They load on demand so the bot answers sooner at start, but evaluating them holds the event loop for a few
 * hundred milliseconds: inside a run, that lands between a Slack turn and its call and makes the call late, too
 * close to the next one. A failure here is not fatal; the first run that needs the library tries again.
 */
export async function preloadRunbookLibraries(): Promise<void> {
  await Promise.all([loadKubeLib(), loadS3Lib(), loadS3StorageLib(), import('vega'), import('vega-lite')]);
}
