// The built-in notification texts: one family per event (created, updated, withdrawn,
// reminder) and audience (decider, requester), each in every template kind (mail: subject, text
// and HTML; chat; webhook). They are Handlebars templates over the Notification's properties plus
// the parts of the purpose (see render.ts); a NotificationTemplate object overrides them.
import type { TemplateKind } from '../delivery/types.ts';

export const EVENTS = ['created', 'updated', 'withdrawn', 'reminder'] as const;
export type NotificationEvent = (typeof EVENTS)[number];
export const AUDIENCES = ['decider', 'requester'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** A NotificationTemplate spec whose subject is always set. */
export interface BuiltinTemplate {
  subject: string;
  body: string;
  html?: string;
}

interface Family {
  subject: string;
  /** One paragraph saying what happened (Handlebars, plain text). */
  intro: string;
  /** What the reader can do next, if anything. */
  next?: string;
}

// `objectLabel` (request|approval), `subjectName`, `targetLabel`, `stateLabel`, `decideCommand`, … are
// computed in render.ts (templateContext).
const families: Record<NotificationEvent, Record<Audience, Family>> = {
  created: {
    decider: {
      // A request settled as it was filed (Auto, a trusted team) is news, not a question.
      subject:
        '[Approval] {{#if undecided}}New {{action}} {{objectLabel}} from team {{requester_team}} for {{targetLabel}}' +
        '{{else}}{{capitalObjectLabel}} {{subjectName}} of team {{requester_team}} is {{state_new}}{{/if}}',
      intro:
        'Team {{requester_team}} asks for {{action}} access to {{targetLabel}}, which your team {{decider_team}} decides on. ' +
        'The {{objectLabel}} {{subjectName}} is {{state_new}}{{#unless undecided}}: no decision is needed{{/unless}}.',
      next:
        '{{#if link}}Decide in the approvals console: {{link}}{{#if decideCommand}}\nOr with kubectl: `{{decideCommand}}` (or `reject`).{{/if}}' +
        '{{else if decideCommand}}Decide with `{{decideCommand}}` (or `reject`).{{/if}}',
    },
    requester: {
      subject: '[Approval] Your {{action}} {{objectLabel}} for {{targetLabel}} is {{state_new}}',
      intro: 'The {{action}} {{objectLabel}} {{subjectName}} of your team {{requester_team}} for {{targetLabel}} is {{state_new}}.',
      next: '{{#if link}}Follow it in the approvals console: {{link}}{{/if}}',
    },
  },
  updated: {
    decider: {
      subject: '[Approval] {{capitalObjectLabel}} {{subjectName}} is {{state_new}}',
      intro:
        'The {{action}} {{objectLabel}} {{subjectName}} of team {{requester_team}} for {{targetLabel}} ' +
        'changed from {{state_old}} to {{state_new}}{{#if actor}} by {{actor}}{{/if}}.',
      next:
        '{{#if decideCommand}}It still needs a decision: {{#if link}}{{link}}{{else}}`{{decideCommand}}`{{/if}}.' +
        '{{else if link}}See it in the approvals console: {{link}}{{/if}}',
    },
    requester: {
      subject: '[Approval] Your {{action}} {{objectLabel}} for {{targetLabel}} is {{state_new}}',
      intro:
        'The {{action}} {{objectLabel}} {{subjectName}} of your team {{requester_team}} for {{targetLabel}} ' +
        'changed from {{state_old}} to {{state_new}}{{#if actor}} by {{actor}}{{/if}}.',
      next: '{{#if link}}See it in the approvals console: {{link}}{{/if}}',
    },
  },
  withdrawn: {
    decider: {
      subject: '[Approval] {{capitalObjectLabel}} {{subjectName}} was withdrawn',
      intro:
        'Team {{requester_team}} withdrew its {{action}} {{objectLabel}} {{subjectName}} for {{targetLabel}}' +
        '{{#if state_old}} while it was {{state_old}}{{/if}}. No decision is needed any more.',
    },
    requester: {
      subject: '[Approval] Your {{action}} {{objectLabel}} for {{targetLabel}} was withdrawn',
      intro:
        'The {{action}} {{objectLabel}} {{subjectName}} of your team {{requester_team}} for {{targetLabel}} was withdrawn' +
        '{{#if state_old}} while it was {{state_old}}{{/if}}.',
    },
  },
  reminder: {
    decider: {
      subject: '[Approval] {{action}} access of team {{requester_team}} to {{targetLabel}} expires {{expiration_date}}',
      intro:
        'The {{action}} access of team {{requester_team}} to {{targetLabel}} ({{objectLabel}} {{subjectName}}) expires on ' +
        '{{expiration_date}}{{#if days_remaining}}, in {{days_remaining}} day(s){{/if}}.',
      next: '{{#if link}}See it in the approvals console: {{link}}{{/if}}',
    },
    requester: {
      subject: '[Approval] Your {{action}} access to {{targetLabel}} expires {{expiration_date}}',
      intro:
        'The {{action}} access of your team {{requester_team}} to {{targetLabel}} ({{objectLabel}} {{subjectName}}) expires on ' +
        '{{expiration_date}}{{#if days_remaining}}, in {{days_remaining}} day(s){{/if}}. Ask for it again before then if it is still needed.',
      next: '{{#if link}}See it in the approvals console: {{link}}{{/if}}',
    },
  },
};

// Standalone block tags ({{#if}} alone on a line) vanish with their line in Handlebars.
const textDetails = `{{#if target}}
Target:    {{targetLabel}}
{{/if}}
{{#if subjectName}}
{{subjectHeading}}{{subjectName}}
{{/if}}
{{#if state_new}}
State:     {{stateLabel}}
{{/if}}
{{#if requester_team}}
Requester: {{requester_team}}
{{/if}}
{{#if decider_team}}
Decider:   {{decider_team}}
{{/if}}
{{#if actor}}
By:        {{actor}}
{{/if}}
{{#if reason}}
Reason:    {{reason}}
{{/if}}
{{#if comment}}
Comment:   {{comment}}
{{/if}}
{{#if approval}}
Approval:  {{approvalLabel}}
{{/if}}
{{#if expiration_date}}
Expires:   {{expiration_date}}
{{/if}}
`;

const htmlRow = (label: string, value: string, condition: string) =>
  `{{#if ${condition}}}<tr><th align="left" style="padding-right:1em">${label}</th><td>${value}</td></tr>{{/if}}`;

const htmlDetails = [
  htmlRow('Target', '{{targetLabel}}', 'target'),
  htmlRow('{{capitalObjectLabel}}', '{{subjectName}}', 'subjectName'),
  htmlRow('State', '{{stateLabel}}', 'state_new'),
  htmlRow('Requester', '{{requester_team}}', 'requester_team'),
  htmlRow('Decider', '{{decider_team}}', 'decider_team'),
  htmlRow('By', '{{actor}}', 'actor'),
  // The reason is the requester's markdown, rendered and sanitised (console/markdown.ts).
  htmlRow('Reason', '{{markdown reason}}', 'reason'),
  htmlRow('Comment', '{{comment}}', 'comment'),
  htmlRow('Approval', '{{approvalLabel}}', 'approval'),
  htmlRow('Expires', '{{expiration_date}}', 'expiration_date'),
].join('\n');

const footer = 'Sent by the approval operator (notification purpose {{purpose}}).';

/** The plain-text "next" line as HTML: code spans, line breaks, and the console link as a link. */
const htmlNext = (next: string) =>
  next
    .replace(/`([^`]*)`/g, '<code>$1</code>')
    .replace(/\n/g, '<br>')
    .replace(/\{\{link\}\}/g, '<a href="{{link}}">{{link}}</a>');

function mail(family: Family): BuiltinTemplate {
  const next = family.next ? `${family.next}\n\n` : '';
  return {
    subject: family.subject,
    body: `${family.intro}\n\n${textDetails}\n${next}-- \n${footer}\n`,
    html:
      '<!DOCTYPE html>\n<html><body style="font-family:sans-serif">\n' +
      `<p>${family.intro}</p>\n<table>\n${htmlDetails}\n</table>\n` +
      (family.next ? `<p>${htmlNext(family.next)}</p>\n` : '') +
      '{{#if link}}<p><a href="{{link}}" style="display:inline-block;padding:.6em 1.2em;background:#0b57a3;color:#fff;text-decoration:none;border-radius:4px">Open in the approvals console</a></p>\n{{/if}}' +
      `<p style="color:#888;font-size:smaller">${footer}</p>\n</body></html>\n`,
  };
}

function chat(family: Family): BuiltinTemplate {
  const next = family.next ? `\n${family.next}\n` : '';
  return { subject: family.subject, body: `${family.intro}\n${next}` };
}

function webhook(family: Family): BuiltinTemplate {
  return { subject: family.subject, body: family.intro };
}

/** The built-in template of an event, audience and kind. */
export function defaultTemplate(event: NotificationEvent, audience: Audience, kind: TemplateKind): BuiltinTemplate {
  const family = families[event][audience];
  switch (kind) {
    case 'mail':
      return mail(family);
    case 'chat':
      return chat(family);
    case 'webhook':
      return webhook(family);
  }
}
