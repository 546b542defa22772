// A list chosen with the arrow keys and Enter, driven either from a text field (combobox) or
// focused itself (listbox). The first item is active by default so Enter alone picks it.
import { h } from "./dom.js";

let counter = 0;

export function pickList({ label, render, onChoose, className = "" }) {
  const id = `pick-${++counter}`;
  const ul = h("ul", { id, class: `pick ${className}`, role: "listbox", "aria-label": label });
  let items = [];
  let active = 0;

  function paint() {
    [...ul.children].forEach((li, i) => {
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      if (i === active) li.scrollIntoView({ block: "nearest" });
    });
    const owner = ul.ownerInput;
    if (owner) owner.setAttribute("aria-activedescendant", items.length ? `${id}-${active}` : "");
    else ul.setAttribute("aria-activedescendant", items.length ? `${id}-${active}` : "");
  }

  function set(newItems) {
    items = newItems || [];
    active = 0;
    ul.replaceChildren(
      ...items.map((item, i) =>
        h("li", { id: `${id}-${i}`, role: "option", onclick: () => ((active = i), choose()) }, render(item, i)),
      ),
    );
    paint();
  }

  function move(delta) {
    if (!items.length) return;
    active = (active + delta + items.length) % items.length;
    paint();
  }

  function choose() {
    if (items.length) onChoose(items[active], active);
  }

  /** Arrow keys and Enter; returns true when the key was handled. */
  function handleKey(ev) {
    if (ev.key === "ArrowDown") move(1);
    else if (ev.key === "ArrowUp") move(-1);
    else if (ev.key === "Enter" && items.length) choose();
    else return false;
    ev.preventDefault();
    return true;
  }

  function bindInput(input) {
    ul.ownerInput = input;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-controls", id);
    input.setAttribute("aria-expanded", "true");
    input.setAttribute("aria-autocomplete", "list");
    input.addEventListener("keydown", handleKey);
  }

  function focusable() {
    ul.tabIndex = 0;
    ul.addEventListener("keydown", handleKey);
  }

  return { el: ul, set, move, choose, bindInput, focusable, get items() { return items; }, get active() { return active; } };
}
