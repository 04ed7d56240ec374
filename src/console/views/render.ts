// Renders a page: the page's template inside the layout, with Handlebars escaping every value.
import Handlebars from 'handlebars';
import { layout, listPage, messagePage, subjectPage } from './templates.ts';

const handlebars = Handlebars.create();
handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);

const compileStrict = (source: string) => handlebars.compile(source, { strict: false, preventIndent: true });

const templates = {
  list: compileStrict(listPage),
  subject: compileStrict(subjectPage),
  message: compileStrict(messagePage),
};
const page = compileStrict(layout);

export type PageName = keyof typeof templates;

export interface Chrome {
  title: string;
  /** The signed-in person (absent on sign-in and error pages). */
  user?: string;
  groups?: string;
  csrf?: string;
  nav?: 'inbox' | 'mine' | 'all';
  inboxCount?: number;
  /** The Server-Sent Events URL that tells this page when to update itself. */
  live?: string;
  flash?: { kind: 'ok' | 'error'; text: string };
}

export function renderPage(name: PageName, context: Record<string, unknown>, chrome: Chrome): string {
  const body = templates[name]({ ...context, csrf: chrome.csrf });
  return page({ ...chrome, body });
}
