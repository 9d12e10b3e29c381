import type { ServerResponse } from 'node:http';

import type { Photo } from './post-model.js';
import type { UpstreamHandler, UpstreamRequest } from './respond.js';
import { send, sendStatus } from './respond.js';
import { greyJpeg, greyPng } from './images.js';

/**
 * The sizes pbs.twimg.com serves a photo in (`?name=<size>`, or the older `.jpg:<size>`):
 * each fits the original into a square box, never enlarging it, except `thumb`, a
 * 150x150 crop. A name not in this table gets 404 (assumed: the real CDN's answer to a
 * made-up size is not documented).
 */
const PHOTO_SIZES: Readonly<Record<string, { box: number; crop?: true } | 'original'>> = {
  thumb: { box: 150, crop: true },
  small: { box: 680 },
  medium: { box: 1200 },
  large: { box: 2048 },
  orig: 'original',
  '4096x4096': { box: 4096 },
  '900x900': { box: 900 },
  '360x360': { box: 360 },
  '240x240': { box: 240 },
  '120x120': { box: 120 },
};

/** The sizes syndication lists in `mediaDetails[].sizes`. */
export const LISTED_SIZES = ['large', 'medium', 'small', 'thumb'] as const;

/** What pbs.twimg.com serves when the URL names no size. */
const DEFAULT_SIZE = 'medium';

/** Profile pictures, `_normal`: 48x48. */
const AVATAR_SIZE = 48;

export function photoSize(
  photo: Pick<Photo, 'width' | 'height'>,
  sizeName: string,
): { width: number; height: number } | undefined {
  const size = PHOTO_SIZES[sizeName];
  if (size === undefined) return undefined;
  if (size === 'original') return { width: photo.width, height: photo.height };
  if (size.crop === true) return { width: size.box, height: size.box };
  const scale = Math.min(1, size.box / photo.width, size.box / photo.height);
  return { width: Math.max(1, Math.round(photo.width * scale)), height: Math.max(1, Math.round(photo.height * scale)) };
}

export function avatarUrl(userId: string): string {
  return `https://pbs.twimg.com/profile_images/${userId}/avatar_normal.jpg`;
}

/**
 * pbs.twimg.com: the photos of the posts added, in every size and as jpg or png
 * (`.png`, `?format=png`), and the authors' profile pictures. Anything else is 404.
 */
export const serveMedia: UpstreamHandler = (request, response, scenario) => {
  const { pathname, searchParams } = request.url;
  const photoPath = /^\/media\/([\w-]+)(?:\.(\w+))?(?::(\w+))?$/.exec(pathname);
  const photo = photoPath === null ? undefined : scenario.photo(photoPath[1] ?? '');
  if (photoPath !== null && photo !== undefined) {
    const format = normaliseFormat(photoPath[2] ?? searchParams.get('format') ?? photo.format);
    const sizeName = searchParams.get('name') ?? photoPath[3] ?? DEFAULT_SIZE;
    const size = photoSize(photo, sizeName);
    if (format === undefined || size === undefined) return sendStatus(request, response, 404);
    return sendImage(request, response, format, {
      ...size,
      comment: `pbs.twimg.com/media/${photo.fileName} name=${sizeName}`,
    });
  }
  const avatarPath = /^\/profile_images\/(\d+)\/[\w.-]+$/.exec(pathname);
  if (avatarPath !== null && scenario.authorByUserId(avatarPath[1] ?? '') !== undefined) {
    return sendImage(request, response, 'jpg', { width: AVATAR_SIZE, height: AVATAR_SIZE, comment: pathname });
  }
  sendStatus(request, response, 404);
};

function normaliseFormat(format: string): 'jpg' | 'png' | undefined {
  if (format === 'jpg' || format === 'jpeg') return 'jpg';
  return format === 'png' ? 'png' : undefined;
}

function sendImage(
  request: UpstreamRequest,
  response: ServerResponse,
  format: 'jpg' | 'png',
  image: { width: number; height: number; comment: string },
): void {
  send(request, response, {
    status: 200,
    headers: {
      'content-type': format === 'png' ? 'image/png' : 'image/jpeg',
      'cache-control': 'max-age=604800, must-revalidate',
    },
    body: format === 'png' ? greyPng(image) : greyJpeg(image),
  });
}
