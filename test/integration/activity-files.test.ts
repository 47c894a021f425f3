import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { CreatioClient } from '../../functions/shared/creatio';
import { FileTypeIds, activityFileId, listActivityFiles, uploadActivityFile } from '../../functions/shared/creatio/activity-files';
import { RetryableError } from '../../functions/shared/errors';
import { startCreatioSandbox, type CreatioSandbox } from '../../local/creatio-sandbox';

let sandbox: CreatioSandbox;
let client: CreatioClient;
const CASE = '5b3f0a0e-0000-4000-8000-000000000001';
const ACTIVITY = '5b3f0a0e-0000-4000-8000-000000000002';
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  sandbox = await startCreatioSandbox({ port: 0 });
  client = new CreatioClient({ instanceUrl: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, sleep: async () => undefined });
  await client.post('Case', { Id: CASE, Subject: 'Files', RegisteredOn: new Date().toISOString(), StatusId: 'ae5f2f10-f46b-1410-fd9a-0050ba5d6c38' });
  await client.post('Activity', {
    Id: ACTIVITY,
    Title: 'Email from customer',
    StartDate: new Date().toISOString(),
    DueDate: new Date().toISOString(),
    CaseId: CASE,
    ActivityCategoryId: '8038a396-7825-e011-8165-00155d043204',
    StatusId: '4bdbb88f-58e6-df11-971b-001d60e938c6',
    PriorityId: 'ab96fa02-7fe6-df11-971b-001d60e938c6',
  });
});
afterAll(async () => {
  await sandbox.stop();
});

const fileId = (name: string) => activityFileId('example', 'session-1', 'message-1', name);
const fromChunks = (bytes: Buffer) => Readable.from([bytes.subarray(0, bytes.length / 2), bytes.subarray(bytes.length / 2)]);

describe('Creatio activity files', () => {
  it('stores a streamed file with its name, size and File type, in two requests', async () => {
    const bytes = randomBytes(300_000);
    const id = fileId('invoice.pdf');
    const before = sandbox.requestLog.length;

    await uploadActivityFile(client, { id, activityId: ACTIVITY, name: 'invoice.pdf', size: bytes.length }, fromChunks(bytes));

    expect(sandbox.store.get('ActivityFile', id)).toMatchObject({ Name: 'invoice.pdf', Size: bytes.length, ActivityId: ACTIVITY, TypeId: FileTypeIds.File });
    expect(sandbox.files.get(id)?.sha256).toBe(sha(bytes));
    expect(sandbox.requestLog.slice(before).map((r) => `${r.method} ${r.path.replace(/^.*odata\//, '')}`)).toEqual([`POST ActivityFile`, `PUT ActivityFile(${id})/Data`]);
  });

  it('converges on one complete file after an upload cut off half-way', async () => {
    const bytes = randomBytes(200_000);
    const id = fileId('photo.jpg');
    sandbox.setUploadFaults({ afterFraction: 0.5, count: 1 });

    await expect(uploadActivityFile(client, { id, activityId: ACTIVITY, name: 'photo.jpg', size: bytes.length }, fromChunks(bytes))).rejects.toBeInstanceOf(RetryableError);
    expect(sandbox.files.get(id)?.partial).toBe(true);
    const before = sandbox.requestLog.length;
    const again = await uploadActivityFile(client, { id, activityId: ACTIVITY, name: 'photo.jpg', size: bytes.length }, fromChunks(bytes));

    expect(again.created).toBe(false);
    // The create meets its own record (answered as a duplicate, read back), then the whole content again.
    expect(sandbox.requestLog.slice(before).map((r) => r.method)).toEqual(['POST', 'GET', 'PUT']);
    expect(sandbox.store.list('ActivityFile').filter((f) => f.Id === id)).toHaveLength(1);
    expect(sandbox.files.get(id)).toMatchObject({ size: bytes.length, sha256: sha(bytes), partial: false });
  });

  it('corrects Size when the stream was longer than declared', async () => {
    const bytes = randomBytes(5_000);
    const id = fileId('voice.ogg');

    await uploadActivityFile(client, { id, activityId: ACTIVITY, name: 'voice.ogg', size: 0 }, Readable.from([bytes]));

    expect(sandbox.store.get('ActivityFile', id)?.Size).toBe(5_000);
  });

  it('lists the files of an activity and reads their bytes back', async () => {
    const bytes = Buffer.from('hello');
    const id = fileId('note.txt');
    await uploadActivityFile(client, { id, activityId: ACTIVITY, name: 'dir/../note.txt', size: 5 }, bytes);

    const files = await listActivityFiles(client, ACTIVITY);

    expect(files.map((f) => f.Name)).toContain('note.txt');
    expect(await client.getBinary('ActivityFile', id, 'Data')).toEqual(bytes);
  });

  it('shows the files on the case page, as downloads', async () => {
    const id = fileId('note.txt');

    const page = await (await fetch(`${sandbox.url}/_sandbox`)).text();
    const download = await fetch(`${sandbox.url}/_sandbox/files/${id}`);

    expect(page).toContain(`<a href="/_sandbox/files/${id}">note.txt</a> (5 bytes)`);
    expect(download.headers.get('content-disposition')).toBe('attachment');
    expect(await download.text()).toBe('hello');
  });
});
