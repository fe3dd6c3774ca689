import type { AppConfig } from '@fleetscope/config';
import { SettingsRepository, type SqlExecutor } from '@fleetscope/db';
import { generateVAPIDKeys } from 'web-push';

/** The application server's identity towards push services (RFC 8292). */
export interface VapidDetails {
  subject: string;
  /** base64url, uncompressed P-256 point (65 bytes): the browser's `applicationServerKey`. */
  publicKey: string;
  /** base64url, 32 bytes. */
  privateKey: string;
}

/** Where the generated pair is kept (table `settings`). */
export const VAPID_SETTING_KEY = 'webpush.vapid';

/**
 * The VAPID key pair: VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY when set; otherwise one pair
 * generated on first use and stored (first writer wins), so every api and worker process,
 * and every restart, signs with the same key. NOTE: a new pair invalidates every browser
 * subscription made with the old one (the browser bound it to the public key).
 */
export class VapidKeys {
  private loaded: Promise<VapidDetails> | undefined;
  private readonly settings = new SettingsRepository();

  constructor(
    private readonly db: SqlExecutor,
    private readonly push: AppConfig['push'],
  ) {}

  get(): Promise<VapidDetails> {
    this.loaded ??= this.load().catch((err: unknown) => {
      this.loaded = undefined; // a database hiccup is not remembered
      throw err;
    });
    return this.loaded;
  }

  private async load(): Promise<VapidDetails> {
    const subject = this.push.vapidSubject;
    if (this.push.vapidPublicKey && this.push.vapidPrivateKey) {
      return {
        subject,
        publicKey: this.push.vapidPublicKey,
        privateKey: this.push.vapidPrivateKey,
      };
    }
    const pair = await this.settings.ensure(this.db, VAPID_SETTING_KEY, generateVAPIDKeys());
    return { subject, publicKey: pair.publicKey, privateKey: pair.privateKey };
  }
}
