// The console's stylesheet, served as /assets/console.css (a module so the compiled image has it).
// Mobile first: one column, tables turn into labelled cards below 48rem; visible focus; colours
// with enough contrast, and states that do not rely on colour alone (the state is written).
export const STYLESHEET = `
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif;line-height:1.5;color:#1a1a1a;background:#fafafa}
body{margin:0}
a{color:#0b57a3}
a:focus-visible,button:focus-visible,textarea:focus-visible,main:focus-visible{outline:3px solid #e06c00;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:10}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.6rem 1rem;background:#20232a;color:#fff}
.top a{color:#fff}
.brand{font-weight:700;font-size:1.15rem;text-decoration:none;margin-right:auto}
.top nav ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0}
.top nav a{text-decoration:none;padding:.2rem 0}
.top nav a[aria-current=page]{border-bottom:3px solid #ffb347}
.count{display:inline-block;min-width:1.4em;padding:0 .35em;border-radius:1em;background:#ffb347;color:#20232a;font-weight:700;text-align:center}
.signout{display:flex;gap:.5rem;align-items:center;margin:0}
.signout button{background:transparent;color:#fff;border:1px solid #fff;border-radius:4px;padding:.2rem .6rem;font:inherit;cursor:pointer}
main{max-width:64rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0;overflow-wrap:anywhere}
h2{font-size:1.2rem;margin-top:1.75rem;border-bottom:1px solid #ddd}
h3{font-size:1rem}
.crumbs{margin:0;color:#555;font-size:.9rem}
.summary,.intro{font-size:1.05rem}
.note{background:#fff8e1;border-left:4px solid #e0a800;padding:.5rem .75rem}
.empty{color:#555;font-style:italic}
.flash{padding:.75rem 1rem;border-radius:4px;margin:.5rem 0 1rem}
.flash-ok{background:#e6f4ea;border:1px solid #1e7e34}
.flash-error{background:#fdecea;border:1px solid #b3261e}
.state{display:inline-block;font-size:.8rem;font-weight:600;padding:.05rem .5rem;border-radius:1rem;border:1px solid #888;background:#eee;color:#1a1a1a;vertical-align:middle}
.state-Granted,.state-Approved{background:#e6f4ea;border-color:#1e7e34;color:#14532d}
.state-Rejected,.state-Expired{background:#fdecea;border-color:#b3261e;color:#7f1d1d}
.state-Semigranted{background:#e8f0fe;border-color:#0b57a3;color:#0b3d75}
.state-Pending{background:#fff8e1;border-color:#a16800;color:#5c3d00}
.state-Suspended{background:#f1e8fd;border-color:#6b3fa0;color:#43206e}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:#fff}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid #e2e2e2;vertical-align:top}
thead th{background:#f0f0f0}
.kind{display:block;font-weight:400;font-size:.8rem;color:#555}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
.facts dt{font-weight:600}.facts dd{margin:0;overflow-wrap:anywhere}
.reason{background:#fff;border:1px solid #e2e2e2;border-radius:4px;padding:.25rem .9rem}
.decide{background:#fff;border:2px solid #0b57a3;border-radius:6px;padding:.25rem 1rem 1rem;margin-top:1rem}
.decide h2{border:0;margin-top:.5rem}
label{display:block;font-weight:600;margin-top:.5rem}
.hint{font-weight:400;color:#555;font-size:.9rem}
textarea{width:100%;font:inherit;padding:.5rem;border:1px solid #888;border-radius:4px}
.buttons{display:flex;flex-wrap:wrap;gap:.6rem;margin-top:.75rem}
.btn{display:inline-block;font:inherit;font-weight:600;padding:.6rem 1.1rem;border-radius:4px;border:2px solid transparent;cursor:pointer;text-decoration:none;min-height:44px}
.btn-approve{background:#1e7e34;color:#fff}
.btn-reject{background:#b3261e;color:#fff}
.btn-neutral{background:#fff;color:#1a1a1a;border-color:#555}
.btn .to{font-weight:400;opacity:.9}
.stages{list-style:none;padding:0;display:grid;gap:.5rem}
.stage{background:#fff;border:1px solid #e2e2e2;border-radius:4px;padding:.5rem .75rem;display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center}
.stage-current{border:2px solid #0b57a3}
.stage-name{font-weight:600}
.stage-approvers{color:#555;font-size:.9rem;width:100%}
.history{padding-left:1.2rem}
.event-reason{font-weight:600}
.conditions{padding-left:1.2rem}
@media (max-width:48rem){
  .subjects thead,.votes thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
  .subjects tr,.votes tr{display:block;border:1px solid #e2e2e2;border-radius:4px;margin-bottom:.6rem;background:#fff}
  .subjects th,.subjects td,.votes th,.votes td{display:block;border:0;padding:.2rem .6rem}
  .subjects td::before,.votes td::before{content:attr(data-label) ": ";font-weight:600}
  .facts{grid-template-columns:1fr}.facts dd{margin-bottom:.4rem}
  .btn{flex:1 1 100%}
  .top nav{order:3;width:100%}
}
`;
