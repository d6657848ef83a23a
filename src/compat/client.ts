import type { Prisma, PrismaClient as GeneratedPrismaClient } from '../../generated/prisma/index.js';
import type { Types } from '../../generated/prisma/runtime/library.js';
import { getDefaultContainer, PrismaProvider, type RateCreatorPrismaClient } from '../index.js';
import { lazyClient } from './lazy-client.js';
import * as $Enums from './prisma-enums.js';

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

/** Every enum of the schema, as the generated client's `$Enums` namespace (`$Enums.UserRole.WRITER`). */
export { $Enums };

/** The generated module, required by the first use of {@link PrismaClient} (a literal require, as everywhere). */
const generatedModule = (): { PrismaClient: typeof GeneratedPrismaClient } => require('../../generated/prisma/index.js');

/**
 * The generated `PrismaClient` class, for code written against `@prisma/client`: a type, and a value for `new` and
 * `instanceof` that loads the generated client on first use, so importing this module still loads no Prisma code. A
 * client made with `new` is Prisma's plain client (no soft deletes, no disposal with the container): services use
 * {@link getPrismaClient}.
 */
export const PrismaClient = new Proxy(function PrismaClient() {}, {
  construct: (_target, args: unknown[]) => Reflect.construct(generatedModule().PrismaClient, args) as object,
  get: (_target, property) => Reflect.get(generatedModule().PrismaClient, property) as unknown,
  has: (_target, property) => Reflect.has(generatedModule().PrismaClient, property),
  getPrototypeOf: () => Reflect.getPrototypeOf(generatedModule().PrismaClient),
}) as unknown as typeof GeneratedPrismaClient;
export type PrismaClient<
  ClientOptions extends Prisma.PrismaClientOptions = Prisma.PrismaClientOptions,
  U = 'log' extends keyof ClientOptions ? (ClientOptions['log'] extends Array<Prisma.LogLevel | Prisma.LogDefinition> ? Prisma.GetEvents<ClientOptions['log']> : never) : never,
  ExtArgs extends Types.Extensions.InternalArgs = Types.Extensions.DefaultArgs,
> = GeneratedPrismaClient<ClientOptions, U, ExtArgs>;

export default getPrismaClient;
