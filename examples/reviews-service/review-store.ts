import { ObjectId } from 'mongodb';
import { inject, injectable } from 'tsyringe';
import { MongoProvider } from '../../src/index.js';
import type { Review, ReviewInput } from './review.js';

/** The collection Prisma maps the `Review` model to. */
export const REVIEW_COLLECTION = 'Review';

/** A review document with the fields and defaults of the schema's `Review` model. */
export interface ReviewDocument {
  _id: ObjectId;
  title: string;
  stars: number;
  content: string | null;
  accountId: ObjectId;
  authorId: ObjectId;
  platform: string;
  status: 'PUBLISHED';
  verificationStatus: 'IN_PROGRESS';
  isEdited: boolean;
  reportCount: number;
  viewCount: number;
  isDeleted: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastActivityAt: Date;
}

/** Stores reviews with the MongoDB driver, in the same shape Prisma writes them. */
@injectable()
export class ReviewStore {
  constructor(@inject(MongoProvider) private readonly mongo: MongoProvider) {}

  /** Inserts a new published review and returns it with its id. */
  async insert(input: ReviewInput): Promise<Review> {
    const now = new Date();
    const document: ReviewDocument = {
      _id: new ObjectId(),
      title: input.title,
      stars: input.stars,
      content: input.content ?? null,
      accountId: new ObjectId(input.accountId),
      authorId: new ObjectId(input.authorId),
      platform: input.platform,
      status: 'PUBLISHED',
      verificationStatus: 'IN_PROGRESS',
      isEdited: false,
      reportCount: 0,
      viewCount: 0,
      isDeleted: false,
      createdAt: now,
      updatedAt: now,
      lastActivityAt: now,
    };
    await this.collection().insertOne(document);
    return { ...input, id: document._id.toHexString(), createdAt: now };
  }

  /** The stored review, or null. */
  findById(id: string): Promise<ReviewDocument | null> {
    return this.collection().findOne({ _id: new ObjectId(id) });
  }

  private collection() {
    return this.mongo.db().collection<ReviewDocument>(REVIEW_COLLECTION);
  }
}
