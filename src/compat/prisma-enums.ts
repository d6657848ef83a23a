import type { $Enums } from '../../generated/prisma/index.js';

// The schema's enums as values, for `@ratecreator/db/client` (`UserRole.WRITER`). The generated client defines the
// same objects, but requiring it loads Prisma's runtime: an app that imports an enum would pay for Prisma at start-up.
// Each constant is typed as the generated one, so `tsc` fails when a value is missing, extra or misspelt here, and
// tests/unit/prisma/client-exports.test.ts compares them with the generated client at run time.

export const Platform: typeof $Enums.Platform = {
  YOUTUBE: 'YOUTUBE', TWITTER: 'TWITTER', INSTAGRAM: 'INSTAGRAM', REDDIT: 'REDDIT', TIKTOK: 'TIKTOK', TWITCH: 'TWITCH',
};
export type Platform = $Enums.Platform;

export const UserRole: typeof $Enums.UserRole = { USER: 'USER', ADMIN: 'ADMIN', WRITER: 'WRITER', CREATOR: 'CREATOR', BRAND: 'BRAND' };
export type UserRole = $Enums.UserRole;

export const ReviewStatus: typeof $Enums.ReviewStatus = {
  DRAFT: 'DRAFT', PUBLISHED: 'PUBLISHED', PENDING: 'PENDING', HIDDEN: 'HIDDEN', DELETED: 'DELETED', FLAGGED: 'FLAGGED',
};
export type ReviewStatus = $Enums.ReviewStatus;

export const CommentStatus: typeof $Enums.CommentStatus = {
  PUBLISHED: 'PUBLISHED', HIDDEN: 'HIDDEN', DELETED: 'DELETED', PENDING: 'PENDING', FLAGGED: 'FLAGGED',
};
export type CommentStatus = $Enums.CommentStatus;

export const VerificationStatus: typeof $Enums.VerificationStatus = {
  IN_PROGRESS: 'IN_PROGRESS', VERIFIED: 'VERIFIED', NOT_VERIFIED: 'NOT_VERIFIED', REJECTED: 'REJECTED', FLAGGED: 'FLAGGED', SPAM: 'SPAM', BOT: 'BOT',
};
export type VerificationStatus = $Enums.VerificationStatus;

export const VoteType: typeof $Enums.VoteType = { UP: 'UP', DOWN: 'DOWN', UPVOTE: 'UPVOTE', DOWNVOTE: 'DOWNVOTE' };
export type VoteType = $Enums.VoteType;

export const ClaimStatus: typeof $Enums.ClaimStatus = { PENDING: 'PENDING', VERIFIED: 'VERIFIED', REJECTED: 'REJECTED' };
export type ClaimStatus = $Enums.ClaimStatus;

export const OrgRole: typeof $Enums.OrgRole = { OWNER: 'OWNER', ADMIN: 'ADMIN', MEMBER: 'MEMBER' };
export type OrgRole = $Enums.OrgRole;

export const RefreshStatus: typeof $Enums.RefreshStatus = { PENDING: 'PENDING', IN_PROGRESS: 'IN_PROGRESS', COMPLETED: 'COMPLETED', FAILED: 'FAILED' };
export type RefreshStatus = $Enums.RefreshStatus;

export const ContentPlatform: typeof $Enums.ContentPlatform = {
  RATECREATOR: 'RATECREATOR', CREATOROPS: 'CREATOROPS', UNITY: 'UNITY', DOCUMENTATION: 'DOCUMENTATION',
};
export type ContentPlatform = $Enums.ContentPlatform;

export const ContentType: typeof $Enums.ContentType = { BLOG: 'BLOG', GLOSSARY: 'GLOSSARY', NEWSLETTER: 'NEWSLETTER', LEGAL: 'LEGAL' };
export type ContentType = $Enums.ContentType;

export const PostStatus: typeof $Enums.PostStatus = { DRAFT: 'DRAFT', PUBLISHED: 'PUBLISHED', SCHEDULED: 'SCHEDULED', DELETED: 'DELETED' };
export type PostStatus = $Enums.PostStatus;

export const Role: typeof $Enums.Role = { ADMIN: 'ADMIN', OWNER: 'OWNER', WRITER: 'WRITER' };
export type Role = $Enums.Role;

export const IdeaStage: typeof $Enums.IdeaStage = { ROUGH_IDEA: 'ROUGH_IDEA', OUTLINE: 'OUTLINE', SCRIPT: 'SCRIPT', READY: 'READY' };
export type IdeaStage = $Enums.IdeaStage;

export const IdeaStatus: typeof $Enums.IdeaStatus = { NEW: 'NEW', IN_PROGRESS: 'IN_PROGRESS', DRAFT_CREATED: 'DRAFT_CREATED', ARCHIVED: 'ARCHIVED' };
export type IdeaStatus = $Enums.IdeaStatus;
