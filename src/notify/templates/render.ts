// Renders a notification's texts with Handlebars: the built-in template of the purpose's family,
// or an override (a NotificationTemplate's spec). Plain-text parts (subject, text, chat, webhook)
// are rendered without escaping; the HTML part escapes every value. Pure: no I/O.
import Handlebars from 'handlebars';
import { subjectLink } from '../../console/links.ts';
import { renderMarkdown } from '../../console/markdown.ts';
import type { TemplateKind, NotificationTemplateSpec } from '../delivery/types.ts';
import { AUDIENCES, EVENTS, defaultTemplate, type Audience, type NotificationEvent } from './defaults.ts';

export interface ParsedPurpose {
  /** The lower-case kind of the object the notification is about, e.g. `approvalrequest`. */
  objectKind: string;
  action: string;
  event: NotificationEvent;
  audience: Audience;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  /** Only for `mail` (the built-in mail templates always have one; an override may not). */
  html?: string;
  source: 'builtin' | 'override';
  /** The object's page in the console (`--console-url`), for chat cards' "Open" button. */
  link?: string;
}

export interface RenderOptions {
  /** The console's public URL (`--console-url`): every notification links to its object's page. */
  consoleUrl?: string;
}

export class TemplateError extends Error {}

/**
 * `lower(<kind>--<action>--<event>--<audience>)`. The event is the last known one of
 * created|updated|withdrawn|reminder (default `updated`); the audience the last segment when it
 * is decider|requester (default `requester`, the text that asks for nothing).
 */
export function parsePurpose(purpose: string): ParsedPurpose {
  const segments = purpose.toLowerCase().split('--');
  const last = segments.at(-1) ?? '';
  const audience: Audience = (AUDIENCES as readonly string[]).includes(last) ? (last as Audience) : 'requester';
  const end = audience === last ? segments.length - 1 : segments.length;
  let eventIndex = -1;
  for (let i = end - 1; i >= 1; i--) {
    if ((EVENTS as readonly string[]).includes(segments[i]!)) {
      eventIndex = i;
      break;
    }
  }
  const event: NotificationEvent = eventIndex > 0 ? (segments[eventIndex] as NotificationEvent) : 'updated';
  const action = segments.slice(1, eventIndex > 0 ? eventIndex : end).join('--');
  return { objectKind: segments[0] ?? '', action, event, audience };
}

const handlebars = Handlebars.create();
handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
handlebars.registerHelper('default', (value: unknown, fallback: unknown) => (value === undefined || value === null || value === '' ? fallback : value));
handlebars.registerHelper('upper', (value: unknown) => String(value ?? '').toUpperCase());
handlebars.registerHelper('lower', (value: unknown) => String(value ?? '').toLowerCase());
// `{{markdown reason}}`: the requester's markdown as sanitised HTML (the console renders it alike).
handlebars.registerHelper('markdown', (value: unknown) => new handlebars.SafeString(renderMarkdown(typeof value === 'string' ? value : '')));

type Compiled = (context: unknown) => string;
const compiled = new Map<string, Compiled>();

function compile(source: string, html: boolean): Compiled {
  const key = `${html ? 'h' : 't'}\0${source}`;
  let template = compiled.get(key);
  if (!template) {
    // Overrides come and go; a bounded cache keeps memory flat whatever they do.
    if (compiled.size >= 500) compiled.clear();
    template = handlebars.compile(source, { noEscape: !html, strict: false, preventIndent: true });
    compiled.set(key, template);
  }
  return template;
}

function render(source: string, context: object, html: boolean, what: string): string {
  try {
    return compile(source, html)(context);
  } catch (err) {
    throw new TemplateError(`template ${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

interface Ref {
  kind?: unknown;
  namespace?: unknown;
  name?: unknown;
}

const asRef = (value: unknown): Ref | undefined => (value && typeof value === 'object' ? (value as Ref) : undefined);
const str = (value: unknown) => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value));

function refLabel(ref: Ref | undefined, withKind: boolean): string {
  if (!ref || !ref.name) return '';
  const path = ref.namespace ? `${str(ref.namespace)}/${str(ref.name)}` : str(ref.name);
  return withKind && ref.kind ? `${str(ref.kind)} ${path}` : path;
}

/** The console page of the notification's object, when the console URL is known. */
export function consoleLinkOf(objectKind: string, subject: Ref | undefined, consoleUrl: string | undefined): string {
  if (!consoleUrl || !subject?.name || !subject.namespace) return '';
  const kind = objectKind === 'approval' ? 'Approval' : objectKind === 'approvalrequest' ? 'ApprovalRequest' : undefined;
  return kind ? subjectLink(consoleUrl, kind, str(subject.namespace), str(subject.name)) : '';
}

/** What the templates see: the properties, plus the purpose's parts and a few ready-made labels. */
export function templateContext(purpose: string, properties: Record<string, unknown>, options: RenderOptions = {}): Record<string, unknown> {
  const parsed = parsePurpose(purpose);
  const objectLabel = parsed.objectKind === 'approval' ? 'approval' : 'request';
  const subject = asRef(properties.subject);
  const subjectName = refLabel(subject, false);
  const stateOld = str(properties.state_old);
  const stateNew = str(properties.state_new);
  const undecided = ['Pending', 'Semigranted'].includes(stateNew);
  const decideCommand =
    parsed.objectKind === 'approvalrequest' && parsed.audience === 'decider' && undecided && subject?.name
      ? `kubectl approval approve ${str(subject.name)}${subject.namespace ? ` -n ${str(subject.namespace)}` : ''}`
      : '';
  return {
    objectKind: parsed.objectKind,
    action: parsed.action,
    event: parsed.event,
    audience: parsed.audience,
    objectLabel,
    capitalObjectLabel: objectLabel === 'approval' ? 'Approval' : 'Request',
    subjectName,
    subjectHeading: `${objectLabel === 'approval' ? 'Approval' : 'Request'}:`.padEnd(11),
    stateLabel: stateOld && stateOld !== stateNew ? `${stateOld} → ${stateNew}` : stateNew,
    targetLabel: refLabel(asRef(properties.target), true) || 'its target',
    decideCommand,
    undecided,
    // A request's grant names its Approval (the grant and the Approval's creation are one event).
    approvalLabel: refLabel(asRef(properties.approval), false),
    consoleUrl: options.consoleUrl ?? '',
    link: consoleLinkOf(parsed.objectKind, subject, options.consoleUrl),
    ...properties,
    purpose,
  };
}

/** Subjects are one line (a header), whatever the template or the properties contain. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 250);

/**
 * Renders the texts of a notification for one kind of channel. `override` is the spec of the
 * NotificationTemplate `<purpose>--<kind>` when one exists; a broken override throws TemplateError
 * (the caller falls back to the built-in template and says so). An override without `subject`
 * keeps the built-in subject; a mail override without `html` sends text only.
 */
export function renderNotification(
  purpose: string,
  properties: Record<string, unknown>,
  kind: TemplateKind,
  override?: NotificationTemplateSpec,
  options: RenderOptions = {},
): RenderedMessage {
  const context = templateContext(purpose, properties, options);
  const { event, audience } = parsePurpose(purpose);
  const builtin = defaultTemplate(event, audience, kind);
  const template = override ?? builtin;
  const name = override ? `${purpose}--${kind}` : `built-in ${event}/${audience}/${kind}`;
  // An override without a subject keeps the built-in one.
  const subject = override?.subject ?? builtin.subject ?? '';
  const message: RenderedMessage = {
    subject: oneLine(render(subject, context, false, `${name} (subject)`)),
    text: render(template.body ?? '', context, false, `${name} (body)`),
    source: override ? 'override' : 'builtin',
  };
  if (kind === 'mail' && template.html) message.html = render(template.html, context, true, `${name} (html)`);
  if (typeof context.link === 'string' && context.link) message.link = context.link;
  return message;
}

/** The name of the NotificationTemplate that overrides the built-in texts of `purpose` for `kind`. */
export const templateName = (purpose: string, kind: TemplateKind) => `${purpose}--${kind}`;
