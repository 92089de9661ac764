// Keyboard shortcuts on a proposal: a accept, e save the edit, r reject (asks for the reason first), n next.
document.addEventListener("keydown", (event) => {
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const press = (id) => { const b = document.getElementById(id); if (b) { event.preventDefault(); b.click(); } };
  if (event.key === "a") press("accept");
  if (event.key === "e") press("edit");
  if (event.key === "r") {
    const reason = document.getElementById("reason");
    if (reason && !reason.value.trim()) { event.preventDefault(); reason.focus(); } else press("reject");
  }
  if (event.key === "n") { event.preventDefault(); window.location.href = "/queue?status=open"; }
});
