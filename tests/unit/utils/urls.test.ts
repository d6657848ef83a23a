import { describe, expect, it } from 'vitest';
import {
  convertToEmbeddedUrl,
  extractTikTokVideoId,
  extractTweetId,
  getRedditPostId,
  removeNormalSuffix,
  stripUrlParams,
} from '../../../src/utils/urls.js';

describe('getRedditPostId', () => {
  it.each([
    ['https://www.reddit.com/r/programming/comments/abc123/my_post_title', 'r/programming/comments/abc123/my_post_title/'],
    ['https://www.reddit.com/r/AskReddit/comments/xyz789/whats_your_story/', 'r/AskReddit/comments/xyz789/whats_your_story/'],
    ['https://old.reddit.com/r/test/comments/a1b2c3d4/title/?sort=new', 'r/test/comments/a1b2c3d4/title/'],
    ['/r/x/comments/ID9/slug', 'r/x/comments/ID9/slug/'], // anywhere in the string
  ])('%s -> %s', (url, id) => {
    expect(getRedditPostId(url)).toBe(id);
  });

  it.each([
    ['https://example.com'],
    ['https://www.reddit.com/r/programming'],
    ['https://www.reddit.com/r/programming/comments/abc123'], // no slug segment
    ['https://www.reddit.com/r/programming/comments/abc123/'], // empty slug segment
    ['https://www.reddit.com/r/programming/comments/ab_c/title'], // id is alphanumeric only
    [''],
  ])('%s -> null', (url) => {
    expect(getRedditPostId(url)).toBeNull();
  });
});

describe('extractTweetId', () => {
  it('the digits after the first /status/', () => {
    expect(extractTweetId('https://twitter.com/user/status/1234567890123456789')).toBe('1234567890123456789');
    expect(extractTweetId('https://x.com/user/status/9876543210?ref=src')).toBe('9876543210');
    expect(extractTweetId('https://x.com/a/status/1/status/2')).toBe('1');
  });

  it('null when absent', () => {
    expect(extractTweetId('https://twitter.com/user')).toBeNull();
    expect(extractTweetId('https://x.com/user/status/abc')).toBeNull();
    expect(extractTweetId('')).toBeNull();
  });
});

describe('extractTikTokVideoId', () => {
  it('the digits in tiktok.com/@<user>/video/<digits>', () => {
    expect(extractTikTokVideoId('https://www.tiktok.com/@username/video/1234567890123456789')).toBe('1234567890123456789');
    expect(extractTikTokVideoId('https://www.tiktok.com/@user_name.123/video/98765?lang=en')).toBe('98765');
  });

  it('null when absent', () => {
    expect(extractTikTokVideoId('https://www.tiktok.com/@username')).toBeNull();
    expect(extractTikTokVideoId('https://www.tiktok.com/video/123')).toBeNull(); // no @user segment
    expect(extractTikTokVideoId('https://www.tiktok.com/@/video/123')).toBeNull();
    expect(extractTikTokVideoId('https://example.com/@u/video/123')).toBeNull();
  });
});

describe('removeNormalSuffix', () => {
  it.each([
    ['https://pbs.twimg.com/profile_images/1/photo_normal.jpg', 'https://pbs.twimg.com/profile_images/1/photo.jpg'],
    ['avatar_normal.png', 'avatar.png'],
    ['normal_user_normal.jpg', 'normal_user.jpg'], // only right before the final extension
    ['profile.jpg', 'profile.jpg'],
    ['photo_normal.jpg?x=1', 'photo_normal.jpg?x=1'], // not at the end of the string
    ['photo_normal', 'photo_normal'], // no extension
    ['', ''],
  ])('%s -> %s', (url, out) => {
    expect(removeNormalSuffix(url)).toBe(out);
  });
});

describe('convertToEmbeddedUrl', () => {
  it('replaces the first watch?v= with embed/', () => {
    expect(convertToEmbeddedUrl('https://www.youtube.com/watch?v=abc123')).toBe('https://www.youtube.com/embed/abc123');
    expect(convertToEmbeddedUrl('https://www.youtube.com/watch?v=abc123&t=100')).toBe('https://www.youtube.com/embed/abc123&t=100');
    expect(convertToEmbeddedUrl('watch?v=a watch?v=b')).toBe('embed/a watch?v=b');
  });

  it('leaves any other URL unchanged', () => {
    expect(convertToEmbeddedUrl('https://www.youtube.com/embed/abc123')).toBe('https://www.youtube.com/embed/abc123');
    expect(convertToEmbeddedUrl('https://youtu.be/abc123')).toBe('https://youtu.be/abc123');
  });
});

describe('stripUrlParams', () => {
  it('cuts everything after the first .png (kept)', () => {
    expect(stripUrlParams('https://example.com/image.png?v=123')).toBe('https://example.com/image.png');
    expect(stripUrlParams('https://example.com/png/image.png?v=1')).toBe('https://example.com/png/image.png');
    expect(stripUrlParams('https://example.com/a.png/b.png')).toBe('https://example.com/a.png');
    expect(stripUrlParams('https://example.com/image.png')).toBe('https://example.com/image.png');
  });

  it('leaves a URL without .png unchanged, and returns a falsy input as it is', () => {
    expect(stripUrlParams('https://example.com/image.jpg?v=123')).toBe('https://example.com/image.jpg?v=123');
    expect(stripUrlParams('')).toBe('');
    expect(stripUrlParams(undefined as unknown as string)).toBeUndefined();
    expect(stripUrlParams(null as unknown as string)).toBeNull();
  });
});
