/** The page's style: readable on a phone (one column, tables scroll sideways) and on paper (no shadows, no cut charts). */
export const PAGE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;background:#f6f7f9}
header{padding:16px 20px;background:#1d2b3a;color:#fff}
header h1{margin:0;font-size:1.35rem;overflow-wrap:anywhere}
header .sub{margin:4px 0 0;opacity:.85}
main{max-width:1100px;margin:0 auto;padding:12px 16px 40px}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:12px 14px;margin:14px 0}
h2{font-size:1.05rem;margin:0 0 8px}
.chart{width:100%;min-height:240px;margin:8px 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid #eceef1;overflow-wrap:break-word}
table.summary{background:#fff;border:1px solid #dde1e6;border-radius:8px;margin-top:14px}
table.summary th{width:16em;color:#555;font-weight:600}
table.summary td,p{overflow-wrap:anywhere}
.empty{color:#666;font-style:italic}
.legend span{display:inline-block;padding:0 6px;margin:2px;border-left:4px solid;font-size:.85rem}
.legend .m-gate{border-color:#6a4c93}.legend .m-shift{border-color:#1f6fb2}.legend .m-hold{border-color:#d98200}
.legend .m-approval{border-color:#2e8b57}.legend .m-signal{border-color:#8c564b}.legend .m-alarm,.legend .m-rollback{border-color:#c0392b}
.legend .m-snapshot{border-color:#138496}.legend .m-restore{border-color:#7d3c98}.legend .m-end{border-color:#333}
@media (max-width:600px){body{font-size:14px}main{padding:8px}table.summary th{width:auto}th,td{padding:3px 5px}}
@media print{
  body{background:#fff;font-size:11pt}header{background:none;color:#000;border-bottom:2px solid #000}
  section,table.summary{border:none;break-inside:avoid;padding:0}
  .chart{break-inside:avoid}.scroll{overflow:visible}
  details{display:block}details>summary{list-style:none}
}
`;
