/** The AWS SDK's S3 client exports. */
export type S3Lib = typeof import('@aws-sdk/client-s3');
/** lib-storage's exports (multipart uploads). */
export type S3StorageLib = typeof import('@aws-sdk/lib-storage');

let loading: Promise<S3Lib> | undefined;
let loadingStorage: Promise<S3StorageLib> | undefined;

/**
 * Loads the S3 client on the first backup call (about 0.2 s of start-up otherwise): a bot instance that only
 * answers commands (ROLE=bot), or a service without backups, never pays for it.
 */
export function loadS3Lib(): Promise<S3Lib> {
  loading ??= import('@aws-sdk/client-s3');
  return loading;
}

/** Loads lib-storage on the first upload. */
export function loadS3StorageLib(): Promise<S3StorageLib> {
  loadingStorage ??= import('@aws-sdk/lib-storage');
  return loadingStorage;
}
