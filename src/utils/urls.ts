// Helpers that pick ids out of platform URLs and rewrite media URLs.

/**
 * The Reddit post path in a URL: finds `/r/<sub>/comments/<id>/<slug>` (id alphanumeric) anywhere in it and returns
 * `r/<sub>/comments/<id>/<slug>/` (trailing slash added); `null` when absent, including a URL without the slug segment.
 */
export function getRedditPostId(url: string): string | null {
  const match = /\/r\/([^/]+)\/comments\/([a-zA-Z0-9]+)\/([^/]+)/.exec(url);
  return match ? `r/${match[1]}/comments/${match[2]}/${match[3]}/` : null;
}

/** The digits after the first `/status/` (a tweet's id, on twitter.com or x.com); `null` when absent. */
export function extractTweetId(url: string): string | null {
  return /\/status\/(\d+)/.exec(url)?.[1] ?? null;
}

/** The digits in `tiktok.com/@<user>/video/<digits>`; `null` when absent. */
export function extractTikTokVideoId(url: string): string | null {
  return /tiktok\.com\/@[^/]+\/video\/(\d+)/.exec(url)?.[1] ?? null;
}

/**
 * Removes `_normal` right before the final extension at the end of the string (Twitter's small avatar:
 * `".../photo_normal.jpg"` -> `".../photo.jpg"`); any other URL is returned unchanged.
 */
export function removeNormalSuffix(url: string): string {
  return url.replace(/_normal(\.\w+)$/, '$1');
}

/** Replaces the first `watch?v=` with `embed/` (a YouTube watch URL to its embed URL); otherwise unchanged. */
export function convertToEmbeddedUrl(youtubeUrl: string): string {
  return youtubeUrl.replace('watch?v=', 'embed/');
}

/**
 * Cuts everything after the first `.png` (kept): `"a.png?v=1"` -> `"a.png"`. A URL without `.png` is unchanged, and a
 * falsy input is returned as it is.
 */
export function stripUrlParams(url: string): string {
  if (!url) return url;
  const at = url.indexOf('.png');
  return at === -1 ? url : url.slice(0, at + 4);
}
