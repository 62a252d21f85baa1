// The problem page: the editor, the draft kept in localStorage, Run and Submit.
// Grading goes through the JSON API (POST /api/submissions?wait=true); the finished
// result is drawn on the server (the same renderer as `judge run --format html`) and
// fetched as an HTML fragment, so this file holds no report logic.
"use strict";

(function () {
  const host = document.getElementById("editor");
  const problem = host.dataset.problem;
  const draftKey = "judge.draft." + problem;
  const starter = document.getElementById("starter").value;
  const status = document.getElementById("status");
  const result = document.getElementById("result");
  const buttons = ["run", "submit", "reset"].map((id) => document.getElementById(id));

  let saved = null;
  try {
    saved = window.localStorage.getItem(draftKey);
  } catch (error) {
    // Storage can be disabled (private windows): the editor still works, unsaved.
  }
  const view = JudgeEditor.create(host, saved === null ? starter : saved, (text) => {
    try {
      window.localStorage.setItem(draftKey, text);
    } catch (error) {
      // As above: a draft that cannot be kept is not an error worth showing.
    }
  });
  window.judgeEditor = view; // for the browser tests and the console

  function busy(message) {
    status.textContent = message;
    buttons.forEach((button) => (button.disabled = message !== ""));
  }

  async function json(response) {
    try {
      return await response.json();
    } catch (error) {
      return {};
    }
  }

  // A request the API refused: its JSON names the reason (413, 422, 429, 503, ...).
  function refused(response, body) {
    const reason = body.reason || body.detail || body.error || response.statusText;
    const retry = response.headers.get("Retry-After");
    return "The judge refused this (" + response.status + "): " + reason +
      (retry ? " Try again in " + retry + " s." : "");
  }

  async function finished(id) {
    // ?wait=true answers 202 when grading outlasts the server's wait; poll from there.
    for (;;) {
      const response = await fetch(host.dataset.submissions + "/" + encodeURIComponent(id));
      const body = await json(response);
      if (!response.ok) throw new Error(refused(response, body));
      if (body.state === "done") return body;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  async function grade(mode) {
    busy(mode === "run" ? "Running the examples…" : "Grading every test…");
    result.replaceChildren();
    // Cleared before the click returns, so nobody reads the last result's status as this one's.
    delete result.dataset.status;
    delete result.dataset.mode;
    try {
      const response = await fetch(host.dataset.submissions + "?wait=true", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ problem, source: JudgeEditor.text(view), mode }),
      });
      const body = await json(response);
      if (!response.ok) throw new Error(refused(response, body));
      const record = body.state === "done" ? body : await finished(body.id);
      const page = await fetch(host.dataset.results + encodeURIComponent(record.id));
      if (!page.ok) throw new Error("The result could not be shown (" + page.status + ").");
      result.innerHTML = await page.text(); // rendered and escaped by the server
      result.dataset.mode = mode;
      result.dataset.status = record.report ? record.report.status : "";
    } catch (error) {
      result.dataset.status = "refused";
      const message = document.createElement("p");
      message.className = "refused";
      message.textContent = error.message;
      result.replaceChildren(message);
    } finally {
      busy("");
    }
  }

  document.getElementById("run").addEventListener("click", () => grade("run"));
  document.getElementById("submit").addEventListener("click", () => grade("submit"));
  document.getElementById("reset").addEventListener("click", () => {
    if (window.confirm("Replace your draft with the starter?")) JudgeEditor.setText(view, starter);
  });
})();
