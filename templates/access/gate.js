// daicho: the guard's gate screen. A handheld scanner types the permit code
// and Enter (IME-safe); the camera reads it where BarcodeDetector exists.
// Every request first clears the previous verdict, so a failed request can
// never leave a stale green on screen.
"use strict";

(() => {
  const root = document.getElementById("gate");
  if (!root) return;
  const zoneId = Number(root.dataset.zone);
  const csrf = root.dataset.csrf;
  const $ = (id) => document.getElementById(id);
  const scan = $("scan");
  const verdict = $("verdict");
  const TIMEOUT_MS = 8000;
  let code = null;
  let carried = [];
  let composing = false;
  let pendingEnter = false;
  let busy = false;

  // Full-width ASCII (an IME in 全角 mode) made plain; kana cannot be undone.
  const plain = (text) =>
    text.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
      .replace(/\u3000/g, " ").trim();
  const hasKana = (text) => /[\u3040-\u30FF\uFF66-\uFF9D]/.test(text);

  async function call(method, path, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(path, {
        method,
        credentials: "same-origin",
        cache: "no-store",
        signal: controller.signal,
        headers: body ? { "Content-Type": "application/json", "X-CSRF-Token": csrf } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      let data = null;
      try { data = await response.json(); } catch (_) { data = null; }
      return { status: response.status, data };
    } finally {
      clearTimeout(timer);
    }
  }

  // The verdict is a modal dialog: it takes focus when it opens, keeps Tab
  // inside, opens scrolled to its top, and gives focus back to the scan field.
  function show(kind, title, reason) {
    verdict.className = "verdict " + kind;
    verdict.dataset.state = kind;
    $("verdict-title").textContent = title;
    $("verdict-reason").textContent = reason || "";
    verdict.hidden = false;
    verdict.scrollTop = 0;
    if (!verdict.contains(document.activeElement)) verdict.focus();
  }

  function clearVerdict() {
    verdict.hidden = true;
    verdict.className = "verdict";
    verdict.dataset.state = "";
    $("verdict-title").textContent = "";
    $("verdict-reason").textContent = "";
    $("verdict-holder").hidden = true;
    for (const dd of $("verdict-holder").querySelectorAll("dd")) dd.textContent = "";
    $("entry-actions").hidden = true;
    $("exit-actions").hidden = true;
    $("carry-results").replaceChildren();
    $("id-checked").checked = false;
    $("id-document").value = "";
    carried = [];
    $("carried").value = "";
    $("carried-list").replaceChildren();
  }

  function closeVerdict() {
    clearVerdict();
    scan.focus();
  }

  function focusables() {
    return [...verdict.querySelectorAll("button, input")].filter((el) => el.getClientRects().length > 0);
  }

  function networkError(detail) {
    show("error", "通信エラー", "判定できませんでした。入室させずに、もう一度読み取ってください。" + (detail ? "（" + detail + "）" : ""));
  }

  function holder(h) {
    if (!h) return;
    $("holder-name").textContent = h.name;
    $("holder-org").textContent = h.organization || "";
    $("holder-kind").textContent = h.kind_label;
    $("holder-escort").textContent = h.escort_required ? "要" + (h.escort_name ? "（" + h.escort_name + "）" : "") : "不要";
    $("holder-permit").textContent = h.permit_number;
    $("holder-purpose").textContent = h.purpose;
    $("verdict-holder").hidden = false;
  }

  function failure(result) {
    const error = result.data && result.data.error;
    if (!error) return networkError("HTTP " + result.status);
    show("deny", result.status === 403 && result.data.reason_code ? "記録できません" : "エラー", error.message);
  }

  async function checkCode(raw) {
    if (busy) return;
    clearVerdict();
    const text = plain(raw);
    scan.value = "";
    if (!text) return;
    if (hasKana(text)) {
      show("error", "読み取りエラー", "かなが入力されました。日本語入力（IME）をオフにして、もう一度読み取ってください。");
      return;
    }
    code = text;
    busy = true;
    show("pending", "確認中…", "");
    let result;
    try {
      result = await call("POST", "/api/v1/gate/check", { code, zone_id: zoneId });
    } catch (e) {
      busy = false;
      clearVerdict();
      return networkError(e && e.name === "AbortError" ? "応答がありません" : "");
    }
    busy = false;
    clearVerdict();
    if (result.status !== 200 || !result.data || !result.data.verdict) return failure(result);
    const v = result.data;
    holder(v.holder);
    if (v.inside) {
      // Someone inside this zone is leaving: no refusal, the exit instead.
      show("exit", "退室", "在室中です。持ち出す物品があれば読み取り、退室を記録してください。");
      $("exit-actions").hidden = false;
      $("carried").focus();
    } else if (v.verdict === "allow") {
      show("allow", "入室可", v.reason);
      $("entry-actions").hidden = false;
      $("id-checked").focus();
    } else {
      show("deny", "入室不可", v.reason);
    }
  }

  async function record(path, body, done) {
    if (busy) return;
    busy = true;
    const keep = { holder: !$("verdict-holder").hidden };
    show("pending", "記録中…", "");
    $("entry-actions").hidden = true;
    $("exit-actions").hidden = true;
    let result;
    try {
      result = await call("POST", path, body);
    } catch (e) {
      busy = false;
      clearVerdict();
      return networkError(e && e.name === "AbortError" ? "応答がありません。記録されたか在室者一覧で確かめてください" : "");
    } finally {
      refreshOccupancy();
    }
    busy = false;
    clearVerdict();
    $("verdict-holder").hidden = !keep.holder;
    if (result.status === 201 && result.data) return done(result.data);
    failure(result);
  }

  $("record-entry").addEventListener("click", () => {
    if (!$("id-checked").checked) {
      $("scan-hint").textContent = "身分証を確認してからチェックを入れてください。";
      $("id-checked").focus();
      return;
    }
    record("/api/v1/gate/entries", {
      code, zone_id: zoneId, id_checked: true,
      id_document: $("id-document").value.trim() || null,
    }, (event) => show("done", "入室を記録しました", event.holder_name + "　" + event.guard_name + " が確認"));
  });

  function addCarried() {
    const tag = plain($("carried").value);
    $("carried").value = "";
    if (!tag || carried.includes(tag)) return;
    carried.push(tag);
    const li = document.createElement("li");
    li.textContent = tag;
    $("carried-list").append(li);
  }
  $("carried").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); addCarried(); }
  });

  $("record-exit").addEventListener("click", () => {
    addCarried();
    record("/api/v1/gate/exits", { code, zone_id: zoneId, carried_out: carried }, (out) => {
      const flagged = out.carried_out.filter((c) => !c.authorised);
      show(flagged.length ? "deny" : "done", "退室を記録しました",
        flagged.length ? "承認のない持出物品があります。セキュリティ管理者に連絡してください。" : (out.event.holder_name || ""));
      const list = $("carry-results");
      for (const c of out.carried_out) {
        const li = document.createElement("li");
        li.textContent = c.asset_tag + "：" + (c.authorised ? "持出承認あり" : "");
        if (!c.authorised) {
          const flag = document.createElement("span");
          flag.className = "flag";
          flag.textContent = c.problem === "unknown_equipment" ? "台帳にない機器"
            : "持出の承認なし" + (c.movement_id ? "（無許可持出 第" + c.movement_id + "号として記録）" : "");
          li.append(flag);
        }
        list.append(li);
      }
    });
  });

  $("verdict-close").addEventListener("click", closeVerdict);
  document.addEventListener("keydown", (e) => {
    if (verdict.hidden) return;
    if (e.key === "Escape" && !busy) { e.preventDefault(); closeVerdict(); return; }
    if (e.key !== "Tab") return;
    const items = focusables();
    if (!items.length) return;
    const first = items[0], last = items[items.length - 1];
    if (e.shiftKey && (document.activeElement === first || document.activeElement === verdict)) {
      e.preventDefault(); last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault(); first.focus();
    }
  });

  // The scanner: Enter submits, except while an IME is composing — then the
  // Enter that ends the composition (compositionend) submits instead.
  scan.addEventListener("compositionstart", () => { composing = true; });
  scan.addEventListener("compositionend", () => {
    composing = false;
    if (pendingEnter) { pendingEnter = false; checkCode(scan.value); }
  });
  scan.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    if (composing || e.isComposing || e.keyCode === 229) { pendingEnter = true; return; }
    checkCode(scan.value);
  });
  $("scan-form").addEventListener("submit", (e) => { e.preventDefault(); checkCode(scan.value); });

  // The camera, where the browser can read QR codes itself.
  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    const button = $("camera-start");
    const video = $("camera");
    button.hidden = false;
    let stream = null;
    const stop = () => {
      if (stream) stream.getTracks().forEach((t) => t.stop());
      stream = null;
      video.hidden = true;
    };
    button.addEventListener("click", async () => {
      if (stream) return stop();
      try {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
        const tick = async () => {
          if (!stream) return;
          try {
            const found = await detector.detect(video);
            if (found.length) { stop(); return checkCode(found[0].rawValue); }
          } catch (_) { /* next frame */ }
          setTimeout(tick, 200);
        };
        tick();
      } catch (e) {
        stop();
        $("scan-hint").textContent = "カメラを使えません（" + (e && e.message ? e.message : e) + "）。スキャナで読み取ってください。";
      }
    });
  }

  // Column names for the rows shown as cards on a phone.
  const heads = [...document.querySelectorAll(".occupancy thead th")].map((th) => th.textContent.trim());

  async function refreshOccupancy() {
    const body = $("occupancy-body");
    try {
      const result = await call("GET", "/api/v1/zones/" + zoneId + "/occupancy");
      if (result.status !== 200 || !result.data) throw new Error("HTTP " + result.status);
      $("occupancy-error").hidden = true;
      const rows = result.data.people.map((p) => {
        const tr = document.createElement("tr");
        const when = (iso) => iso.slice(11, 16);
        const cells = [p.name, p.organization || "", when(p.entered_at), p.valid_until.slice(0, 10) + " " + when(p.valid_until)];
        cells.forEach((text, i) => {
          const td = document.createElement("td");
          td.textContent = text;
          td.dataset.label = heads[i];
          tr.append(td);
        });
        const td = document.createElement("td");
        if (p.overdue) { td.textContent = "超過"; td.className = "overdue"; }
        tr.append(td);
        return tr;
      });
      if (rows.length === 0) {
        // An empty table says so, rather than nothing at all.
        const tr = document.createElement("tr");
        const td = document.createElement("td");
        td.colSpan = 5;
        td.id = "occupancy-empty";
        td.textContent = "在室者はいません。";
        tr.append(td);
        rows.push(tr);
      }
      body.replaceChildren(...rows);
      $("occupancy-count").textContent = "（" + result.data.count + "名" + (result.data.overdue ? "、超過 " + result.data.overdue + "名" : "") + "）";
    } catch (e) {
      $("occupancy-error").textContent = "在室者一覧を更新できません（通信エラー）。表示は古い可能性があります。";
      $("occupancy-error").hidden = false;
    }
  }
  refreshOccupancy();
  setInterval(refreshOccupancy, 30000);
  scan.focus();
})();
