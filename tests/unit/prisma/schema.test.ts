import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadGeneratedClient } from '../../helpers/prisma-engine.js';

const root = new URL('../../../', import.meta.url);
const schemaPath = new URL('prisma/schema.prisma', root);
const digest = () => createHash('sha256').update(readFileSync(schemaPath)).digest('hex');

// Field names, types (`?` optional, `[]` list) and unique constraints of the documents production holds today
// (from the project's reference facts). The schema may add to them; it must not change them.
const PRODUCTION: Record<string, { fields: string; unique: string[][] }> = {
  User: {
    fields: [
      'id:String clerkId:String resendId:String? email:String firstName:String? lastName:String?',
      'username:String? isDeleted:Boolean createdAt:DateTime updatedAt:DateTime deletedAt:DateTime?',
      'webhookPayload:Json? role:UserRole[] reviews:Review[] comments:Comment[] votes:Vote[]',
      'commentVotes:CommentVote[] saveToMyList:SaveToMyList[] newsletterAudience:NewsletterAudience[]',
      'claimedAccounts:ClaimedAccount[] linkedAccounts:UserLinkedAccount[] organizations:OrganizationMember[]',
    ].join(' '),
    unique: [['clerkId'], ['email']],
  },
  Account: {
    fields: [
      'id:String platform:Platform accountId:String handle:String? name:String? name_en:String?',
      'followerCount:Int? imageUrl:String? bannerUrl:String? country:String? description:String?',
      'description_en:String? keywords:String? keywords_en:String? categories:CategoryMapping[]',
      'ytData:Json? redditData:Json? xData:Json? tiktokData:Json? twitchData:Json? instagramData:Json?',
      'isSeeded:Boolean isSuspended:Boolean ranking:Json? createdAt:DateTime updatedAt:DateTime',
      'language_code:String? lang_confidence_score:Float? rating:Float? reviewCount:Int?',
      'isSubCategoryFailed:Boolean? lastIndexedAt:DateTime? isDeleted:Boolean? isCategoryFailed:Boolean?',
      'isTranslationFailed:Boolean? videoFetch:Boolean? reviews:Review[] saveToMyList:SaveToMyList[]',
      'videos:YouTubeVideo[] lastDataRefresh:DateTime? claimedBy:ClaimedAccount[] linkedBy:UserLinkedAccount[]',
      'organizationAccounts:OrganizationAccount[] refreshLogs:DataRefreshLog[]',
    ].join(' '),
    unique: [['platform', 'accountId']],
  },
  Review: {
    fields: [
      'id:String title:String stars:Int content:String? contentUrl:String? redditMetadata:Json?',
      'createdAt:DateTime updatedAt:DateTime author:User authorId:String account:Account accountId:String',
      'platform:Platform comments:Comment[] votes:Vote[] verificationStatus:VerificationStatus',
      'isEdited:Boolean editHistory:Json? status:ReviewStatus reportCount:Int lastActivityAt:DateTime',
      'viewCount:Int isDeleted:Boolean',
    ].join(' '),
    unique: [],
  },
  Comment: {
    fields: [
      'id:String content:Json? createdAt:DateTime updatedAt:DateTime author:User authorId:String',
      'review:Review reviewId:String replyToId:String? replyTo:Comment? replies:Comment[]',
      'votes:CommentVote[] verificationStatus:VerificationStatus isEdited:Boolean editHistory:Json?',
      'status:CommentStatus reportCount:Int isDeleted:Boolean',
    ].join(' '),
    unique: [],
  },
  Vote: {
    fields: [
      'id:String user:User userId:String review:Review reviewId:String type:VoteType',
    ].join(' '),
    unique: [['userId', 'reviewId']],
  },
  CommentVote: {
    fields: [
      'id:String user:User userId:String comment:Comment commentId:String type:VoteType',
    ].join(' '),
    unique: [['userId', 'commentId']],
  },
  Category: {
    fields: [
      'id:String name:String slug:String shortDescription:String? longDescription:String? keywords:String[]',
      'parentId:String? parent:Category? subcategories:Category[] accounts:CategoryMapping[]',
      'popular:Boolean depth:Int createdAt:DateTime updatedAt:DateTime deletedAt:DateTime?',
    ].join(' '),
    unique: [['slug']],
  },
  CategoryMapping: {
    fields: [
      'id:String accountId:String categoryId:String account:Account category:Category createdAt:DateTime',
      'updatedAt:DateTime',
    ].join(' '),
    unique: [['accountId', 'categoryId']],
  },
  SaveToMyList: {
    fields: [
      'id:String user:User userId:String account:Account accountId:String createdAt:DateTime',
    ].join(' '),
    unique: [['userId', 'accountId']],
  },
  Newsletter: {
    fields: [
      'id:String name:String audienceId:String createdAt:DateTime updatedAt:DateTime',
      'audience:NewsletterAudience[]',
    ].join(' '),
    unique: [['name']],
  },
  NewsletterAudience: {
    fields: [
      'id:String subscribed:Boolean createdAt:DateTime updatedAt:DateTime user:User userId:String',
      'newsletter:Newsletter newsletterId:String',
    ].join(' '),
    unique: [['userId', 'newsletterId']],
  },
  YouTubeVideo: {
    fields: [
      'id:String videoId:String account:Account accountId:String title:String description:String?',
      'channelId:String? channelTitle:String? playlistId:String? position:Int? privacyStatus:String?',
      'thumbnails:Json? viewCount:Int likeCount:Int duration:String? publishedAt:DateTime',
      'videoPublishedAt:DateTime? lastFetchedAt:DateTime createdAt:DateTime updatedAt:DateTime',
      'isDeleted:Boolean',
    ].join(' '),
    unique: [['accountId', 'videoId']],
  },
  ClaimedAccount: {
    fields: [
      'id:String userId:String accountId:String platform:String claimedAt:DateTime verifiedAt:DateTime?',
      'verificationMethod:String? status:ClaimStatus user:User account:Account',
    ].join(' '),
    unique: [['userId', 'accountId']],
  },
  UserLinkedAccount: {
    fields: [
      'id:String userId:String accountId:String platform:String isPrimary:Boolean linkedAt:DateTime',
      'nickname:String? user:User account:Account',
    ].join(' '),
    unique: [['userId', 'accountId']],
  },
  Organization: {
    fields: 'id:String name:String slug:String createdAt:DateTime updatedAt:DateTime members:OrganizationMember[] accounts:OrganizationAccount[]',
    unique: [['slug']],
  },
  OrganizationMember: {
    fields: 'id:String organizationId:String userId:String role:OrgRole joinedAt:DateTime organization:Organization user:User',
    unique: [['organizationId', 'userId']],
  },
  OrganizationAccount: {
    fields: 'id:String organizationId:String accountId:String addedAt:DateTime organization:Organization account:Account',
    unique: [['organizationId', 'accountId']],
  },
  DataRefreshLog: {
    fields: [
      'id:String accountId:String platform:String status:RefreshStatus startedAt:DateTime? completedAt:DateTime?',
      'error:String? dataSnapshot:Json? account:Account',
    ].join(' '),
    unique: [],
  },
  WaitlistEntry: {
    fields: 'id:String email:String createdAt:DateTime updatedAt:DateTime',
    unique: [['email']],
  },
  ContactForm: {
    fields: 'id:String name:String email:String message:String createdAt:DateTime updatedAt:DateTime',
    unique: [],
  },
  Post: {
    fields: [
      'id:String contentPlatform:ContentPlatform contentType:ContentType title:String content:String',
      'featureImage:String? postUrl:String publishDate:DateTime? tags:TagOnPost[] excerpt:String? authorId:String',
      'author:Author metadataTitle:String? metadataDescription:String? metadataImageUrl:String?',
      'metadataKeywords:String? canonicalUrl:String? createdAt:DateTime updatedAt:DateTime status:PostStatus',
      'isFeatured:Boolean broadcastIds:String[]',
    ].join(' '),
    unique: [['postUrl']],
  },
  Tag: {
    fields: 'id:String slug:String description:String? imageUrl:String? posts:TagOnPost[]',
    unique: [['slug']],
  },
  TagOnPost: {
    fields: 'id:String post:Post postId:String tag:Tag tagId:String',
    unique: [],
  },
  Author: {
    fields: 'id:String clerkId:String name:String? username:String email:String imageUrl:String? posts:Post[] ideas:Idea[] role:Role',
    unique: [['clerkId'], ['username'], ['email']],
  },
  Idea: {
    fields: [
      'id:String title:String description:String? topics:String[] status:IdeaStatus currentStage:IdeaStage',
      'contentPlatform:ContentPlatform generatedOutline:String? outlineContent:String? scriptContent:String?',
      'targetDate:DateTime? createdPostId:String? authorId:String author:Author createdAt:DateTime updatedAt:DateTime',
    ].join(' '),
    unique: [],
  },
};

// Defaults of the facts file (`= x`), as the generated client's data model describes them.
const DEFAULTS: Record<string, Record<string, unknown>> = {
  ClaimedAccount: { status: 'PENDING', claimedAt: { name: 'now', args: [] } },
  UserLinkedAccount: { isPrimary: false, linkedAt: { name: 'now', args: [] } },
  OrganizationMember: { role: 'MEMBER', joinedAt: { name: 'now', args: [] } },
  OrganizationAccount: { addedAt: { name: 'now', args: [] } },
  DataRefreshLog: { status: 'PENDING' },
  Post: { contentPlatform: 'RATECREATOR', contentType: 'BLOG', status: 'DRAFT', isFeatured: false, broadcastIds: [] },
  Author: { role: 'WRITER' },
  Idea: { topics: [], status: 'NEW', currentStage: 'ROUGH_IDEA', contentPlatform: 'RATECREATOR' },
  User: { role: ['USER'] },
};

// Every field holding another document's id is stored as an ObjectId (`@db.ObjectId`), like the ids themselves.
const OBJECT_IDS: Record<string, string[]> = {
  ClaimedAccount: ['userId', 'accountId'],
  UserLinkedAccount: ['userId', 'accountId'],
  OrganizationMember: ['organizationId', 'userId'],
  OrganizationAccount: ['organizationId', 'accountId'],
  DataRefreshLog: ['accountId'],
  Post: ['authorId'],
  TagOnPost: ['postId', 'tagId'],
  Idea: ['authorId', 'createdPostId'],
};

const ENUMS: Record<string, string[]> = {
  Platform: ['YOUTUBE', 'TWITTER', 'INSTAGRAM', 'REDDIT', 'TIKTOK', 'TWITCH'],
  UserRole: ['USER', 'ADMIN', 'WRITER', 'CREATOR', 'BRAND'],
  ReviewStatus: ['DRAFT', 'PUBLISHED', 'PENDING', 'HIDDEN', 'DELETED', 'FLAGGED'],
  CommentStatus: ['PUBLISHED', 'HIDDEN', 'DELETED', 'PENDING', 'FLAGGED'],
  // Production's values plus the project memory's REJECTED / UPVOTE / DOWNVOTE.
  VerificationStatus: ['VERIFIED', 'NOT_VERIFIED', 'FLAGGED', 'SPAM', 'BOT', 'IN_PROGRESS', 'REJECTED'],
  VoteType: ['UP', 'DOWN', 'UPVOTE', 'DOWNVOTE'],
  ClaimStatus: ['PENDING', 'VERIFIED', 'REJECTED'],
  OrgRole: ['OWNER', 'ADMIN', 'MEMBER'],
  RefreshStatus: ['PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED'],
  ContentPlatform: ['RATECREATOR', 'CREATOROPS', 'UNITY', 'DOCUMENTATION'],
  ContentType: ['BLOG', 'GLOSSARY', 'NEWSLETTER', 'LEGAL'],
  PostStatus: ['DRAFT', 'PUBLISHED', 'SCHEDULED', 'DELETED'],
  Role: ['ADMIN', 'OWNER', 'WRITER'],
  IdeaStage: ['ROUGH_IDEA', 'OUTLINE', 'SCRIPT', 'READY'],
  IdeaStatus: ['NEW', 'IN_PROGRESS', 'DRAFT_CREATED', 'ARCHIVED'],
};

const { datamodel } = loadGeneratedClient().Prisma.dmmf;

describe('prisma/schema.prisma', () => {
  it('passes `prisma validate` and `prisma format --check` offline, and they leave the file unchanged', () => {
    const before = digest();
    const result = spawnSync(process.execPath, ['scripts/prisma-generate.mjs', 'check'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/is valid/);
    expect(result.stdout).toMatch(/formatted correctly/);
    expect(digest()).toBe(before);
  });

  it('the generated client was generated from the current schema', () => {
    expect(readFileSync(new URL('generated/prisma/schema.prisma', root), 'utf8')).toBe(readFileSync(schemaPath, 'utf8'));
  });

  it('has exactly the 25 models and 15 enums', () => {
    expect(datamodel.models).toHaveLength(25);
    expect(datamodel.enums).toHaveLength(15);
    expect(datamodel.models.map((model) => model.name).sort()).toEqual(Object.keys(PRODUCTION).sort());
  });

  it.each(Object.entries(PRODUCTION))('%s keeps production’s field names, types and uniques', (name, facts) => {
    const model = datamodel.models.find((m) => m.name === name);
    expect(model).toBeDefined();
    const actual = new Map(model?.fields.map((f) => [f.name, `${f.type}${f.isList ? '[]' : f.isRequired ? '' : '?'}`]));
    for (const spec of facts.fields.split(' ')) {
      const [field, type] = spec.split(':');
      expect(`${field}:${actual.get(field ?? '')}`).toBe(`${field}:${type}`);
    }
    for (const unique of facts.unique) {
      if (unique.length === 1) expect(model?.fields.find((f) => f.name === unique[0])?.isUnique, unique[0]).toBe(true);
      else expect(model?.uniqueFields).toContainEqual(unique);
    }
  });

  it.each(Object.entries(DEFAULTS))('%s keeps the defaults of the facts file', (name, defaults) => {
    const fields = datamodel.models.find((m) => m.name === name)?.fields ?? [];
    for (const [field, value] of Object.entries(defaults)) expect(fields.find((f) => f.name === field)?.default, `${name}.${field}`).toEqual(value);
  });

  it.each(Object.entries(OBJECT_IDS))('%s stores its references as ObjectIds', (name, references) => {
    const fields = datamodel.models.find((m) => m.name === name)?.fields ?? [];
    for (const field of ['id', ...references]) expect(fields.find((f) => f.name === field)?.nativeType, `${name}.${field}`).toEqual(['ObjectId', []]);
    expect(fields.find((f) => f.name === 'id')).toMatchObject({ isId: true, dbName: '_id', default: { name: 'auto', args: [] } });
  });

  it('each enum is the union of production’s and the project memory’s values', () => {
    const actual = Object.fromEntries(datamodel.enums.map((e) => [e.name, e.values.map((v) => v.name).sort()]));
    expect(actual).toEqual(Object.fromEntries(Object.entries(ENUMS).map(([name, values]) => [name, [...values].sort()])));
  });

  it('threads comments and nests categories through self-relations', () => {
    const relation = (model: string, field: string) => datamodel.models.find((m) => m.name === model)?.fields.find((f) => f.name === field);
    expect(relation('Comment', 'replyTo')).toMatchObject({ type: 'Comment', relationName: 'CommentReplies', relationFromFields: ['replyToId'] });
    expect(relation('Comment', 'replies')).toMatchObject({ type: 'Comment', isList: true, relationName: 'CommentReplies' });
    expect(relation('Category', 'parent')).toMatchObject({ type: 'Category', relationName: 'CategoryHierarchy', relationFromFields: ['parentId'] });
    expect(relation('Category', 'subcategories')).toMatchObject({ type: 'Category', isList: true });
  });

  it.each([
    ['ClaimedAccount', 'user', 'User', 'userId', 'claimedAccounts'],
    ['ClaimedAccount', 'account', 'Account', 'accountId', 'claimedBy'],
    ['UserLinkedAccount', 'user', 'User', 'userId', 'linkedAccounts'],
    ['UserLinkedAccount', 'account', 'Account', 'accountId', 'linkedBy'],
    ['OrganizationMember', 'organization', 'Organization', 'organizationId', 'members'],
    ['OrganizationMember', 'user', 'User', 'userId', 'organizations'],
    ['OrganizationAccount', 'organization', 'Organization', 'organizationId', 'accounts'],
    ['OrganizationAccount', 'account', 'Account', 'accountId', 'organizationAccounts'],
    ['DataRefreshLog', 'account', 'Account', 'accountId', 'refreshLogs'],
    ['Post', 'author', 'Author', 'authorId', 'posts'],
    ['TagOnPost', 'post', 'Post', 'postId', 'tags'],
    ['TagOnPost', 'tag', 'Tag', 'tagId', 'posts'],
    ['Idea', 'author', 'Author', 'authorId', 'ideas'],
  ])('%s.%s -> %s (%s), listed back as its %s', (model, field, target, from, list) => {
    const find = (m: string, f: string) => datamodel.models.find((x) => x.name === m)?.fields.find((x) => x.name === f);
    const forward = find(model, field);
    expect(forward).toMatchObject({ type: target, relationFromFields: [from], relationToFields: ['id'] });
    expect(find(target, list)).toMatchObject({ type: model, isList: true, relationName: forward?.relationName });
  });

  it('names every index explicitly (db push drops what the schema does not declare)', () => {
    const text = readFileSync(schemaPath, 'utf8');
    const declarations = text.split('\n').filter((line) => /@@(index|unique)\(|@unique\b/.test(line));
    expect(declarations.length).toBeGreaterThan(40);
    for (const line of declarations) expect(line, line.trim()).toMatch(/map: "[A-Za-z]+_[A-Za-z_]+_(idx|key)"/);
  });
});
