// daicho: the stocktake scan page (scanner keyboard input + Enter, IME-safe; camera via
// BarcodeDetector), loud results (colour + WebAudio beeps); and the print button of label sheets.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll("[data-print]")) {
    el.addEventListener("click", () => window.print());
  }
  const root = document.getElementById("scan");
  if (root) setUpScanning(root);
});

function setUpScanning(root) {
  const id = root.dataset.stocktake;
  const csrf = root.dataset.csrf;
  const form = document.getElementById("scan-form");
  const field = document.getElementById("scan-code");
  const box = document.getElementById("scan-result");
  const log = document.getElementById("scan-log");
  const counts = {
    confirmed: document.getElementById("count-confirmed"),
    expected: document.getElementById("count-expected"),
    scanned: document.getElementById("count-scanned"),
  };
  const words = { confirmed: "確認", misplaced: "区域違い", unknown: "未登録", duplicate: "読取済", error: "エラー" };

  // --- sound: one high beep = confirmed, two low = misplaced/unknown, a falling pair = duplicate.
  let audio = null;
  const wakeAudio = () => {
    if (!audio) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (Ctx) audio = new Ctx();
    }
    if (audio && audio.state === "suspended") audio.resume();
  };
  const tone = (freq, at, length, type) => {
    if (!audio) return;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = type || "square";
    osc.frequency.value = freq;
    const t = audio.currentTime + at;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.5, t + 0.01);
    gain.gain.setValueAtTime(0.5, t + length - 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(t);
    osc.stop(t + length + 0.02);
  };
  const sound = (result) => {
    wakeAudio();
    if (result === "confirmed") tone(1760, 0, 0.12);
    else if (result === "duplicate") { tone(988, 0, 0.1, "triangle"); tone(740, 0.12, 0.16, "triangle"); }
    else { tone(330, 0, 0.18); tone(330, 0.26, 0.18); }
  };

  // The log counts up: the newest line carries the highest number.
  let logged = Number(document.getElementById("count-scanned")?.textContent) || 0;
  const show = (result, title, detail) => {
    box.className = "scan-result scan-" + result;
    box.querySelector(".scan-word").textContent = words[result] || result;
    // The server's message names the device already: say it once.
    const tag = title.split("（")[0];
    box.querySelector(".scan-detail").textContent =
      !detail ? title : detail.includes(tag) ? detail : title + " " + detail;
    const li = document.createElement("li");
    li.value = ++logged;
    li.className = "scan-" + result;
    const time = new Date().toLocaleTimeString("ja-JP");
    li.textContent = time + " " + (words[result] || result) + " " + title;
    log.prepend(li);
    while (log.children.length > 50) log.lastChild.remove();
    sound(result);
    if (result !== "confirmed" && navigator.vibrate) navigator.vibrate([120, 80, 120]);
  };

  // Scans are sent one after another, in the order they were read.
  let queue = Promise.resolve();
  const send = (code) => {
    code = code.trim();
    if (!code) return;
    queue = queue.then(async () => {
      try {
        const response = await fetch("/api/v1/stocktakes/" + id + "/scans", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
          body: JSON.stringify({ code }),
        });
        const body = await response.json().catch(() => ({}));
        if (!response.ok) {
          const message = body.error ? body.error.message : "送信できませんでした（" + response.status + "）";
          show("error", code, message);
          return;
        }
        const name = body.equipment ? body.equipment.name : "";
        show(body.result, body.asset_tag + (name ? "（" + name + "）" : ""), body.message);
        counts.confirmed.textContent = body.confirmed;
        counts.expected.textContent = body.expected;
        counts.scanned.textContent = body.scanned;
      } catch (e) {
        show("error", code, "通信できませんでした。電波の届く場所で、もう一度読み取ってください。");
      }
    });
  };
  const submitField = () => {
    const code = field.value;
    field.value = "";
    send(code);
    field.focus();
  };

  // A scanner types the code and Enter. With a Japanese IME on, Enter only ends the
  // composition: ignore it then, and send when the composition ends.
  field.addEventListener("keydown", (event) => {
    wakeAudio();
    if (event.key !== "Enter") return;
    // Let the IME take its Enter: compositionend sends the field.
    if (event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    submitField();
  });
  field.addEventListener("compositionend", () => {
    setTimeout(submitField, 0);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    wakeAudio();
    submitField();
  });
  document.addEventListener("click", (event) => {
    wakeAudio();
    if (!event.target.closest("a, button, input, video")) field.focus();
  });

  // The phone camera, where the browser can read QR codes itself.
  const camera = document.getElementById("scan-camera");
  const video = document.getElementById("scan-video");
  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    camera.hidden = false;
    let stream = null;
    let last = { code: "", at: 0 };
    const stop = () => {
      if (stream) stream.getTracks().forEach((t) => t.stop());
      stream = null;
      video.hidden = true;
      camera.textContent = "カメラで読み取る";
    };
    camera.addEventListener("click", async () => {
      wakeAudio();
      if (stream) return stop();
      try {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
        camera.textContent = "カメラを止める";
        const tick = async () => {
          if (!stream) return;
          try {
            for (const code of await detector.detect(video)) {
              const now = Date.now();
              if (code.rawValue !== last.code || now - last.at > 3000) {
                last = { code: code.rawValue, at: now };
                send(code.rawValue);
              }
            }
          } catch (e) { /* a frame that could not be read */ }
          setTimeout(tick, 250);
        };
        tick();
      } catch (e) {
        stop();
        show("error", "カメラ", "カメラを使えません（" + e.name + "）。スキャナか手入力で読み取ってください。");
      }
    });
  }
  field.focus();
}
