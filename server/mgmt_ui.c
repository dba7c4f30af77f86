/* SPDX-License-Identifier: MPL-2.0 */
/* The dashboard: one self-contained page (no external assets) that polls the management API
 * with the browser's basic-auth credentials and shows the overview, alarms and queues. */
#include "server/mgmt_internal.h"

#include <event2/buffer.h>

static const char mgmt_ui_page[] =
        "<!DOCTYPE html>\n"
        "<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>Warren management</title>\n"
        "<style>\n"
        "body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#222}\n"
        "header{background:#2c3e50;color:#fff;padding:12px 24px;display:flex;"
        "justify-content:space-between;align-items:baseline}\n"
        "header h1{margin:0;font-size:20px}main{padding:16px 24px}\n"
        ".cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:20px}\n"
        ".card{background:#fff;border-radius:6px;padding:12px 18px;min-width:120px;"
        "box-shadow:0 1px 3px rgba(0,0,0,.15)}\n"
        ".card .n{font-size:28px;font-weight:600}.card .l{font-size:12px;color:#666}\n"
        "table{border-collapse:collapse;width:100%;background:#fff;"
        "box-shadow:0 1px 3px rgba(0,0,0,.15)}\n"
        "th,td{padding:6px 10px;border-bottom:1px solid #e3e3e3;text-align:left}\n"
        "th{background:#ecf0f1;font-size:13px}td.num,th.num{text-align:right}\n"
        ".ok{color:#27ae60}.bad{color:#c0392b;font-weight:600}\n"
        "#err{color:#c0392b}\n"
        "</style></head><body>\n"
        "<header><h1>Warren</h1><span id=\"ver\"></span></header>\n"
        "<main>\n"
        "<div id=\"err\"></div>\n"
        "<div class=\"cards\">\n"
        "<div class=\"card\"><div class=\"n\" id=\"c-conn\">-</div>"
        "<div class=\"l\">Connections</div></div>\n"
        "<div class=\"card\"><div class=\"n\" id=\"c-q\">-</div><div "
        "class=\"l\">Queues</div></div>\n"
        "<div class=\"card\"><div class=\"n\" id=\"c-x\">-</div>"
        "<div class=\"l\">Exchanges</div></div>\n"
        "<div class=\"card\"><div class=\"n\" id=\"c-cons\">-</div>"
        "<div class=\"l\">Consumers</div></div>\n"
        "<div class=\"card\"><div class=\"n\" id=\"c-msg\">-</div>"
        "<div class=\"l\">Messages (ready / unacked)</div></div>\n"
        "<div class=\"card\"><div class=\"n\" id=\"c-alarm\">-</div>"
        "<div class=\"l\">Alarms</div></div>\n"
        "</div>\n"
        "<h2>Queues</h2>\n"
        "<table><thead><tr><th>Virtual host</th><th>Name</th><th>Type</th><th>State</th>"
        "<th class=\"num\">Ready</th><th class=\"num\">Unacked</th><th class=\"num\">Total</th>"
        "<th class=\"num\">Consumers</th></tr></thead><tbody id=\"queues\"></tbody></table>\n"
        "<p id=\"upd\" style=\"font-size:12px;color:#666\"></p>\n"
        "</main>\n"
        "<script>\n"
        "'use strict';\n"
        /* credentials embedded in the page URL are not allowed in fetch(): use the bare origin
         * and let the browser send the basic-auth credentials it already holds */
        "const base = location.protocol + '//' + location.host;\n"
        "function get(p){return fetch(base + p,{credentials:'same-origin'})"
        ".then(r=>r.json().then(j=>({status:r.status,body:j})));}\n"
        "function txt(id,v){document.getElementById(id).textContent=v;}\n"
        "function cell(tr,v,num){const td=document.createElement('td');"
        "td.textContent=v;if(num)td.className='num';tr.appendChild(td);}\n"
        "function overview(o){const t=o.object_totals||{},q=o.queue_totals||{};\n"
        " txt('ver',o.product_name+' '+o.product_version+' (RabbitMQ '+o.rabbitmq_version+')"
        " on '+o.node);\n"
        " txt('c-conn',t.connections);txt('c-q',t.queues);txt('c-x',t.exchanges);"
        "txt('c-cons',t.consumers);\n"
        " txt('c-msg',q.messages_ready+' / '+q.messages_unacknowledged);}\n"
        "function queues(list){const tb=document.getElementById('queues');tb.textContent='';\n"
        " list.sort((a,b)=>(a.vhost+a.name).localeCompare(b.vhost+b.name));\n"
        " for(const q of list){const tr=document.createElement('tr');cell(tr,q.vhost);"
        "cell(tr,q.name);cell(tr,q.type);cell(tr,q.state);\n"
        "  cell(tr,q.messages_ready,1);cell(tr,q.messages_unacknowledged,1);"
        "cell(tr,q.messages,1);cell(tr,q.consumers,1);tb.appendChild(tr);}}\n"
        "function alarms(a){const e=document.getElementById('c-alarm');\n"
        " if(a.status==200){e.textContent='none';e.className='n ok';}\n"
        " else{e.textContent=(a.body.alarms||[]).map(x=>x.resource).join(', ')||'yes';"
        "e.className='n bad';}}\n"
        "function refresh(){Promise.all([get('/api/overview'),get('/api/queues'),"
        "get('/api/health/checks/alarms')])\n"
        " .then(([o,q,a])=>{if(o.status!=200)throw new Error(o.body.reason||o.status);\n"
        "  overview(o.body);queues(q.body);alarms(a);txt('err','');\n"
        "  txt('upd','Updated '+new Date().toLocaleTimeString());})\n"
        " .catch(e=>txt('err','Cannot reach the management API: '+e.message));}\n"
        "refresh();setInterval(refresh,5000);\n"
        "</script></body></html>\n";

void
mgmt_ui_index(struct mgmt_req *r)
{
    struct evbuffer *body = evbuffer_new();

    if (body == NULL) {
        mgmt_reply_error(r, 500, "internal_error", "out of memory");
        return;
    }
    evbuffer_add_reference(body, mgmt_ui_page, sizeof(mgmt_ui_page) - 1, NULL, NULL);
    mgmt_reply_text(r, 200, "text/html; charset=utf-8", body);
    evbuffer_free(body);
}
