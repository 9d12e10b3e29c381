import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { WarcStoreSetting } from '../config.js';
import { messageOf, UsageError, WarcRecordInvalidError, WarcStoreUnavailableError } from '../errors.js';
import type { WarcStore } from '../ports.js';

type S3Setting = Extract<WarcStoreSetting, { kind: 's3' }>;
type S3Module = typeof S3Sdk;

/**
 * An S3 prefix as the WARC store, through the AWS SDK v3: files are put whole
 * (PutObject), read by byte range (GetObject with Range) and listed
 * (ListObjectsV2). The SDK is imported on first use, so a command on the default
 * folder store never loads it. With AWS_ENDPOINT_URL (an S3-compatible server:
 * MinIO, Ceph, s3rver) buckets are addressed by path, as such servers expect.
 */
export class S3WarcStore implements WarcStore {
  readonly folder = undefined;
  private client: Promise<{ sdk: S3Module; client: S3Client }> | undefined;

  constructor(private readonly setting: S3Setting) {}

  async put(name: string, localPath: string): Promise<void> {
    const { sdk, client } = await this.connect();
    const { size } = await stat(localPath);
    await this.send(`put ${name}`, () =>
      client.send(
        new sdk.PutObjectCommand({
          Bucket: this.setting.bucket,
          Key: this.keyOf(name),
          Body: createReadStream(localPath),
          ContentLength: size,
          ContentType: 'application/warc',
        }),
      ),
    );
  }

  async readRange(name: string, offset: number, length: number): Promise<Uint8Array> {
    const { sdk, client } = await this.connect();
    const answer = await this.send(`read ${name}`, () =>
      client.send(
        new sdk.GetObjectCommand({
          Bucket: this.setting.bucket,
          Key: this.keyOf(name),
          Range: `bytes=${offset}-${offset + length - 1}`,
        }),
      ),
    );
    const bytes = (await answer.Body?.transformToByteArray()) ?? new Uint8Array();
    if (bytes.byteLength !== length) {
      throw new WarcRecordInvalidError(
        `${this.uriOf(name)}: the file ends ${length - bytes.byteLength} bytes short of the record at offset ${offset}`,
      );
    }
    return bytes;
  }

  async *readAll(name: string): AsyncIterable<Uint8Array> {
    const { sdk, client } = await this.connect();
    const answer = await this.send(`read ${name}`, () =>
      client.send(new sdk.GetObjectCommand({ Bucket: this.setting.bucket, Key: this.keyOf(name) })),
    );
    // In Node the body is a Readable, which iterates as Buffers.
    const body = answer.Body as AsyncIterable<Uint8Array> | undefined;
    if (body) yield* body;
  }

  async list(): Promise<string[]> {
    const { sdk, client } = await this.connect();
    const names: string[] = [];
    const keyPrefix = this.keyOf('');
    let continuationToken: string | undefined;
    do {
      const page = await this.send('list', () =>
        client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.setting.bucket,
            Prefix: keyPrefix,
            Delimiter: '/',
            ...(continuationToken === undefined ? {} : { ContinuationToken: continuationToken }),
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined && object.Key.length > keyPrefix.length)
          names.push(object.Key.slice(keyPrefix.length));
      }
      continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
    return names.sort();
  }

  async check(): Promise<void> {
    const { sdk, client } = await this.connect();
    await this.send('check', () => client.send(new sdk.HeadBucketCommand({ Bucket: this.setting.bucket })));
  }

  location(): string {
    return `s3://${this.setting.bucket}${this.setting.prefix === '' ? '' : `/${this.setting.prefix}`}`;
  }

  async close(): Promise<void> {
    const opened = this.client;
    this.client = undefined;
    if (opened) (await opened).client.destroy();
  }

  private keyOf(name: string): string {
    return this.setting.prefix === '' ? name : `${this.setting.prefix}/${name}`;
  }

  private uriOf(name: string): string {
    return `${this.location()}/${name}`;
  }

  private connect(): Promise<{ sdk: S3Module; client: S3Client }> {
    this.client ??= (async () => {
      // The SDK warns on every run that its releases after January 2027 need Node 22;
      // citesnap supports Node 20 with the release it pins, so the warning says nothing
      // to an operator (who can still ask for it by setting the variable to false).
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      const sdk = await import('@aws-sdk/client-s3');
      const { endpoint, region, credentials } = this.setting;
      const client = new sdk.S3Client({
        region,
        // A copy: the SDK marks the object it is given, and the configuration is frozen.
        ...(credentials === undefined ? {} : { credentials: { ...credentials } }),
        ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
        // Checksums only where S3 requires them: S3-compatible servers do not all take the
        // newer trailing checksums, and each file's records carry their own sha256 digests.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      return { sdk, client };
    })();
    return this.client;
  }

  /**
   * Sends one request, naming the store in any failure: a missing bucket or refused
   * credentials are the operator's configuration (exit 2), a missing file is a
   * record that points nowhere, anything else is the store being unavailable (exit 1).
   */
  private async send<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const where = `CITESNAP_WARC_STORE: ${this.location()}${this.setting.endpoint === undefined ? '' : ` at ${this.setting.endpoint}`}`;
      if (name === 'NoSuchBucket' || (what === 'check' && (name === 'NotFound' || status === 404))) {
        throw new UsageError(`${where}: no such bucket ${JSON.stringify(this.setting.bucket)}`);
      }
      if (name === 'CredentialsProviderError') {
        throw new UsageError(`${where}: no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`);
      }
      if (
        ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden'].includes(name) ||
        status === 403
      ) {
        throw new UsageError(`${where}: ${what}: access refused with these credentials (${name || status})`);
      }
      if (name === 'NoSuchKey' || (status === 404 && what.startsWith('read '))) {
        throw new WarcRecordInvalidError(`${this.uriOf(what.slice('read '.length))}: no such WARC file in the store`);
      }
      if (name === 'InvalidRange' || status === 416) {
        throw new WarcRecordInvalidError(`${this.uriOf(what.slice('read '.length))}: the file ends before the record`);
      }
      throw new WarcStoreUnavailableError(`${where}: ${what}: ${messageOf(error)}`, { cause: error });
    }
  }
}
