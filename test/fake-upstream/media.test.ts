import { describe, expect, it } from 'vitest';

import { fetchAnswer, useFakeUpstream } from '../support/fake-upstream/index.js';

const fake = useFakeUpstream();

function addPostWithPhotos(): void {
  fake.upstream.addPost({
    id: '1729555061938819317',
    handle: 'DGSN_MAROC',
    name: 'DGSN MAROC',
    text: 'بلاغ',
    photos: [
      { url: 'https://pbs.twimg.com/media/GAbcDEF.jpg', width: 3000, height: 2000 },
      { url: 'https://pbs.twimg.com/media/GPngPic.png', width: 400, height: 300 },
    ],
  });
}

/** Width and height from a JPEG's SOF0 segment. */
function jpegSize(bytes: Buffer): { width: number; height: number } {
  const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
  return { height: bytes.readUInt16BE(sof + 5), width: bytes.readUInt16BE(sof + 7) };
}

describe('pbs.twimg.com', () => {
  it('serves a photo as a valid JPEG in the size asked for', async () => {
    addPostWithPhotos();
    const sizes = {
      orig: [3000, 2000],
      large: [2048, 1365],
      medium: [1200, 800],
      small: [680, 453],
      thumb: [150, 150],
    };
    for (const [name, [width, height]] of Object.entries(sizes)) {
      const answer = await fetchAnswer(fake.agent, `https://pbs.twimg.com/media/GAbcDEF?format=jpg&name=${name}`);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('image/jpeg');
      expect(answer.body.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
      expect(answer.body.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
      expect(jpegSize(answer.body), name).toEqual({ width, height });
    }
  });

  it('understands the .jpg?name= and the older .jpg:size forms, medium by default', async () => {
    addPostWithPhotos();
    const named = await fetchAnswer(fake.agent, 'https://pbs.twimg.com/media/GAbcDEF.jpg?name=orig');
    const legacy = await fetchAnswer(fake.agent, 'https://pbs.twimg.com/media/GAbcDEF.jpg:orig');
    const bare = await fetchAnswer(fake.agent, 'https://pbs.twimg.com/media/GAbcDEF.jpg');
    expect(jpegSize(named.body)).toEqual({ width: 3000, height: 2000 });
    expect(legacy.body).toEqual(named.body);
    expect(jpegSize(bare.body)).toEqual({ width: 1200, height: 800 });
  });

  it('gives each size of each photo different bytes', async () => {
    addPostWithPhotos();
    const orig = await fetchAnswer(fake.agent, 'https://pbs.twimg.com/media/GAbcDEF.jpg?name=orig');
    const large = await fetchAnswer(fake.agent, 'https://pbs.twimg.com/media/GAbcDEF.jpg?name=4096x4096');
    expect(jpegSize(large.body)).toEqual(jpegSize(orig.body));
    expect(large.body).not.toEqual(orig.body);
  });

  it('serves a .png photo as PNG, and any photo as PNG when format=png', async () => {
    addPostWithPhotos();
    for (const url of [
      'https://pbs.twimg.com/media/GPngPic.png?name=orig',
      'https://pbs.twimg.com/media/GAbcDEF?format=png&name=small',
    ]) {
      const answer = await fetchAnswer(fake.agent, url);
      expect(answer.headers['content-type']).toBe('image/png');
      expect(answer.body.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    }
  });

  it('serves the author’s profile picture that syndication names', async () => {
    addPostWithPhotos();
    const answer = await fetchAnswer(
      fake.agent,
      'https://cdn.syndication.twimg.com/tweet-result?id=1729555061938819317&lang=en&token=46xk2hmk5od',
    );
    const { user } = JSON.parse(answer.text) as { user: { profile_image_url_https: string } };
    const avatar = await fetchAnswer(fake.agent, user.profile_image_url_https);
    expect(avatar.status).toBe(200);
    expect(jpegSize(avatar.body)).toEqual({ width: 48, height: 48 });
  });

  it('answers 404 for an unknown file, size or format', async () => {
    addPostWithPhotos();
    for (const url of [
      'https://pbs.twimg.com/media/Unknown.jpg?name=orig',
      'https://pbs.twimg.com/media/GAbcDEF.jpg?name=huge',
      'https://pbs.twimg.com/media/GAbcDEF?format=tiff&name=orig',
      'https://pbs.twimg.com/profile_images/1/avatar_normal.jpg',
    ]) {
      expect((await fetchAnswer(fake.agent, url)).status, url).toBe(404);
    }
  });
});
