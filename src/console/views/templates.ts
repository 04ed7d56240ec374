// The console's pages as Handlebars templates. They live in a module (not .hbs files) because the
// image ships only the compiled dist/. Every {{value}} is HTML-escaped; the only {{{raw}}} value
// is the reason, sanitised by markdown.ts. The markup is plain, semantic HTML: landmarks, one h1
// per page, tables with captions and header cells, labelled fields, and a status region that
// screen readers announce when the page updates itself.

export const layout = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · Approvals</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">Approvals</a>
  {{#if user}}
  <nav aria-label="Main">
    <ul>
      <li><a href="/"{{#if (eq nav "inbox")}} aria-current="page"{{/if}}>Inbox{{#if inboxCount}} <span class="count" aria-label="{{inboxCount}} waiting">{{inboxCount}}</span>{{/if}}</a></li>
      <li><a href="/mine"{{#if (eq nav "mine")}} aria-current="page"{{/if}}>My requests</a></li>
      <li><a href="/all"{{#if (eq nav "all")}} aria-current="page"{{/if}}>All</a></li>
    </ul>
  </nav>
  <form class="signout" method="post" action="/logout">
    <input type="hidden" name="_csrf" value="{{csrf}}">
    <span class="who" title="{{groups}}">{{user}}</span>
    <button type="submit">Sign out</button>
  </form>
  {{/if}}
</header>
<main id="main" tabindex="-1"{{#if live}} data-live="{{live}}"{{/if}}>
{{#if flash}}<div class="flash flash-{{flash.kind}}" role="{{#if (eq flash.kind "error")}}alert{{else}}status{{/if}}">{{flash.text}}</div>{{/if}}
{{{body}}}
</main>
<p id="live-status" class="visually-hidden" role="status" aria-live="polite"></p>
</body>
</html>
`;

const table = `{{#if rows.length}}
<div class="table-wrap">
<table class="subjects">
<caption>{{caption}}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">Action</th><th scope="col">Requester</th><th scope="col">Decider</th><th scope="col">Target</th><th scope="col">Age</th></tr></thead>
<tbody>
{{#each rows}}
<tr>
<th scope="row" data-label="Name"><a href="{{path}}">{{name}}</a> <span class="kind">{{kindLabel}} · {{namespace}}</span></th>
<td data-label="State"><span class="state state-{{state}}">{{state}}</span></td>
<td data-label="Action">{{action}}</td>
<td data-label="Requester">{{requesterTeam}}{{#if requestedBy}} ({{requestedBy}}){{/if}}</td>
<td data-label="Decider">{{deciderTeam}}</td>
<td data-label="Target">{{target}}</td>
<td data-label="Age"><time datetime="{{created}}">{{age}}</time></td>
</tr>
{{/each}}
</tbody>
</table>
</div>
{{else}}
<p class="empty">{{empty}}</p>
{{/if}}`;

export const listPage = `<h1>{{heading}}</h1>
{{#if intro}}<p class="intro">{{intro}}</p>{{/if}}
{{#if scopeNote}}<p class="note">{{scopeNote}}</p>{{/if}}
{{#each sections}}
<section aria-labelledby="section-{{@index}}">
<h2 id="section-{{@index}}">{{title}}</h2>
${table}
</section>
{{/each}}
`;

export const subjectPage = `<p class="crumbs"><a href="/">Inbox</a> › {{kindLabel}} in {{namespace}}</p>
<h1>{{name}} <span class="state state-{{state}}">{{state}}</span></h1>
<p class="summary">Team <strong>{{requesterTeam}}</strong> asks for <strong>{{action}}</strong> on <strong>{{target}}</strong>; team <strong>{{deciderTeam}}</strong> decides ({{strategy}}).</p>

{{#if actions.length}}
<section class="decide" aria-labelledby="decide-heading">
<h2 id="decide-heading">Your decision</h2>
{{#if note}}<p class="note">{{note}}</p>{{/if}}
<form method="post" action="{{path}}/decide">
<input type="hidden" name="_csrf" value="{{csrf}}">
<label for="comment">Comment <span class="hint">(optional, kept with your decision)</span></label>
<textarea id="comment" name="comment" rows="3" maxlength="1000"></textarea>
<div class="buttons">
{{#each actions}}<button type="submit" name="verb" value="{{verb}}" class="btn btn-{{style}}">{{label}} <span class="to">→ {{to}}</span></button>{{/each}}
</div>
</form>
</section>
{{else}}
{{#if note}}<p class="note">{{note}}</p>{{/if}}
{{/if}}

<section aria-labelledby="request-heading">
<h2 id="request-heading">Request</h2>
<dl class="facts">
<dt>Requested by</dt><dd>{{#if requestedBy}}{{requestedBy}}{{else}}—{{/if}}</dd>
<dt>Requester team</dt><dd>{{requesterTeam}}{{#if requesterEmail}} &lt;{{requesterEmail}}&gt;{{/if}}</dd>
{{#if requesterApplication}}<dt>Application</dt><dd>{{requesterApplication}}</dd>{{/if}}
<dt>Action</dt><dd>{{action}}</dd>
<dt>Target</dt><dd>{{target}}</dd>
<dt>Decider team</dt><dd>{{deciderTeam}}{{#if deciderEmail}} &lt;{{deciderEmail}}&gt;{{/if}}</dd>
{{#if deciderApplication}}<dt>Decider application</dt><dd>{{deciderApplication}}</dd>{{/if}}
<dt>Strategy</dt><dd>{{strategy}}</dd>
<dt>Created</dt><dd><time datetime="{{created}}">{{created}}</time> ({{age}})</dd>
{{#if timeout}}<dt>Timeout</dt><dd>{{timeout}}</dd>{{/if}}
{{#if expiresAt}}<dt>Expires</dt><dd><time datetime="{{expiresAt}}">{{expiresAt}}</time> ({{expiresIn}})</dd>{{/if}}
{{#if related}}<dt>{{related.label}}</dt><dd><a href="{{related.path}}">{{related.name}}</a></dd>{{/if}}
</dl>
<h3>Reason</h3>
<div class="reason">{{#if reasonHtml}}{{{reasonHtml}}}{{else}}<p class="empty">No reason given.</p>{{/if}}</div>
{{#if properties.length}}
<h3>Properties</h3>
<dl class="facts">{{#each properties}}<dt>{{key}}</dt><dd><code>{{value}}</code></dd>{{/each}}</dl>
{{/if}}
</section>

{{#if stages.length}}
<section aria-labelledby="stages-heading">
<h2 id="stages-heading">Stages</h2>
<ol class="stages">
{{#each stages}}
<li class="stage stage-{{state}}{{#if current}} stage-current{{/if}}"{{#if current}} aria-current="step"{{/if}}>
<span class="stage-name">{{name}}</span> <span class="state state-{{state}}">{{state}}</span>
<span class="stage-progress">{{approvals}} approvals{{#if rejections}}, {{rejections}} rejections{{/if}}</span>
{{#if approvers}}<span class="stage-approvers">Approvers: {{approvers}}</span>{{/if}}
</li>
{{/each}}
</ol>
</section>
{{/if}}

<section aria-labelledby="votes-heading">
<h2 id="votes-heading">Votes</h2>
{{#if votes.length}}
<div class="table-wrap">
<table class="votes">
<caption class="visually-hidden">Decisions, oldest first</caption>
<thead><tr><th scope="col">Who</th><th scope="col">Decision</th><th scope="col">When</th><th scope="col">Comment</th></tr></thead>
<tbody>
{{#each votes}}
<tr>
<th scope="row" data-label="Who">{{name}}{{#if delegated}} <span class="hint">(recorded by {{actor}})</span>{{/if}}{{#if groups}} <span class="hint">as {{groups}}</span>{{/if}}</th>
<td data-label="Decision"><span class="state state-{{state}}">{{state}}</span></td>
<td data-label="When"><time datetime="{{time}}">{{time}}</time> ({{age}})</td>
<td data-label="Comment">{{comment}}</td>
</tr>
{{/each}}
</tbody>
</table>
</div>
{{else}}
<p class="empty">No votes yet.</p>
{{/if}}
</section>

<section aria-labelledby="history-heading">
<h2 id="history-heading">History</h2>
{{#if eventsHidden}}
<p class="empty">Your account may not read Events in namespace {{namespace}}.</p>
{{else}}
{{#if events.length}}
<ol class="history">
{{#each events}}<li><time datetime="{{time}}">{{time}}</time> <span class="event-reason">{{reason}}</span> {{message}}</li>{{/each}}
</ol>
{{else}}
<p class="empty">No Events recorded.</p>
{{/if}}
{{/if}}
{{#if conditions.length}}
<h3>Conditions</h3>
<ul class="conditions">{{#each conditions}}<li><strong>{{type}}</strong> {{status}} ({{reason}}): {{message}}</li>{{/each}}</ul>
{{/if}}
</section>
`;

export const messagePage = `<h1>{{heading}}</h1>
<p>{{text}}</p>
{{#if link}}<p><a class="btn btn-approve" href="{{link.href}}">{{link.label}}</a></p>{{/if}}
{{#if secondary}}<p><a href="{{secondary.href}}">{{secondary.label}}</a></p>{{/if}}
`;
