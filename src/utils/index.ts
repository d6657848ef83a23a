// @ratecreator/db/utils: the original package's browser helpers and IndexedDB caches. A browser entry: it imports
// nothing (no Node builtin, no client library, no container code), and importing it has no effect. The build checks
// both. The Node-only `.env` loader is a separate entry: @ratecreator/db/utils/load-env.
export { formatDate, formatFloat, formatUtcTimestamp, formatValue } from './format.js';
export {
  capitalizeEachWord,
  capitalizeFirstLetter,
  fromSlug,
  getInitials,
  reverseAndHyphenate,
  splitAndCapitalize,
  toSlug,
  truncateText,
} from './text.js';
export { convertToEmbeddedUrl, extractTikTokVideoId, extractTweetId, getRedditPostId, removeNormalSuffix, stripUrlParams } from './urls.js';
export { CreatorCache, creatorCache } from './creator-cache.js';
export { SearchCache, searchCache } from './search-cache.js';
export { CategoryGlossaryCache, categoryGlossaryCache, type CategoryWithAccounts } from './category-glossary-cache.js';
export type { CacheOptions, IndexedDbFactory } from './cache-options.js';
export { IndexedDbError } from './indexed-db-error.js';
