import { getDefaultContainer, PrismaProvider, type RateCreatorPrismaClient } from '../index.js';
import { lazyClient } from './lazy-client.js';

/**
 * The shared Prisma client of the default container, built on first call (nothing connects until the first
 * query). Soft deletes are enforced on it; `hardDelete` is the escape hatch.
 * @throws {ConfigError} when `DATABASE_URL_ONLINE` is missing or invalid.
 * @throws {DisposedError} after the default container was disposed.
 */
export function getPrismaClient(): RateCreatorPrismaClient {
  return getDefaultContainer().resolve(PrismaProvider).client;
}

/** The shared client as a value; it resolves the default container on first property access, so importing connects nothing. */
export const prisma: RateCreatorPrismaClient = lazyClient(getPrismaClient);

export type { RateCreatorPrismaClient } from '../providers/prisma.js';

// The schema's enums (values and types) and model types, as apps import them from the generated client. The enums
// are plain objects defined here: importing this module never loads the generated client or Prisma's runtime.
export {
  ClaimStatus, CommentStatus, ContentPlatform, ContentType, IdeaStage, IdeaStatus, OrgRole, Platform, PostStatus,
  RefreshStatus, ReviewStatus, Role, UserRole, VerificationStatus, VoteType,
} from './prisma-enums.js';
export type {
  Account, Author, Category, CategoryMapping, ClaimedAccount, Comment, CommentVote, ContactForm, DataRefreshLog, Idea,
  Newsletter, NewsletterAudience, Organization, OrganizationAccount, OrganizationMember, Post, Prisma, Review,
  SaveToMyList, Tag, TagOnPost, User, UserLinkedAccount, Vote, WaitlistEntry, YouTubeVideo,
} from '../../generated/prisma/index.js';

export default getPrismaClient;
