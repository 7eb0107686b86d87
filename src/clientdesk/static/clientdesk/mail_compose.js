// Email Client: the HTML editor (django-prose-editor's Tiptap build), the HTML / Text tabs and the
// recipient choice. Without JavaScript the form is whole as served: the message is a plain textarea
// (HTML or plain text), the Text part its own field, and the two recipient fields are both shown.
//
// The editor is built here rather than through the package's own preset, which lets Tiptap add a
// <style> element: the desk's Content-Security-Policy (style-src 'self') refuses inline styles, so
// Tiptap's injected CSS is switched off and its few rules live in mail.css.
import {
  Blockquote,
  Bold,
  BulletList,
  Document,
  Dropcursor,
  Editor,
  Gapcursor,
  HardBreak,
  Heading,
  History,
  Italic,
  Link,
  ListItem,
  Menu,
  OrderedList,
  Paragraph,
  Text,
  Underline,
} from "django-prose-editor/editor";

// An editor emptied by the staff member leaves one empty block: that is no message.
const EMPTY = /^<(\w+)(\s[^>]*)?><\/\1>$/i;

function attachEditor(textarea) {
  const wrapper = document.createElement("div");
  wrapper.className = "prose-editor mail-editor";
  textarea.before(wrapper);
  wrapper.append(textarea);
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  if (label && !label.id) label.id = `${textarea.id}-label`;
  const attributes = { role: "textbox", "aria-multiline": "true" };
  if (label) attributes["aria-labelledby"] = label.id;
  if (textarea.getAttribute("aria-describedby")) attributes["aria-describedby"] = textarea.getAttribute("aria-describedby");
  if (textarea.classList.contains("is-invalid")) attributes["aria-invalid"] = "true";
  const editor = new Editor({
    element: wrapper,
    injectCSS: false,
    content: textarea.value,
    extensions: [
      Document,
      Paragraph,
      Text,
      HardBreak,
      History,
      Dropcursor,
      Gapcursor,
      Menu,
      Heading.configure({ levels: [2, 3] }),
      Bold,
      Italic,
      Underline,
      BulletList,
      OrderedList,
      ListItem,
      Blockquote,
      Link.configure({ enableTarget: false }),
    ],
    editorProps: { attributes },
    onUpdate({ editor: current }) {
      const html = current.getHTML();
      textarea.value = EMPTY.test(html) ? "" : html;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    },
  });
  // The menu greys out what cannot be used with a class: say it to assistive technology too.
  const sync = () => {
    for (const button of wrapper.querySelectorAll(".prose-menubar button")) {
      const disabled = String(button.classList.contains("disabled"));
      if (button.getAttribute("aria-disabled") !== disabled) button.setAttribute("aria-disabled", disabled);
    }
  };
  sync();
  new MutationObserver(sync).observe(wrapper, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
  // The label names a textarea that is now hidden: a click on it goes to the editor instead.
  if (label) label.addEventListener("click", (event) => {
    event.preventDefault();
    editor.commands.focus();
  });
  if (textarea.autofocus) editor.commands.focus("end");
  return editor;
}

// HTML / Text become tabs (Bootstrap's tab behaviour; its data API handles clicks and arrow keys).
function attachTabs(box) {
  const tablist = box.querySelector("[data-mail-tablist]");
  const panes = box.querySelector("[data-mail-panes]");
  if (!tablist || !panes) return;
  const tabs = [...tablist.querySelectorAll("[data-bs-toggle=tab]")];
  // A pane holding an error opens first, so the staff member sees it.
  let current = tabs.findIndex((tab) => panes.querySelector(`${tab.dataset.bsTarget} .is-invalid`));
  if (current < 0) current = 0;
  tabs.forEach((tab, index) => {
    const pane = panes.querySelector(tab.dataset.bsTarget);
    pane.classList.add("tab-pane");
    pane.setAttribute("role", "tabpanel");
    pane.setAttribute("aria-labelledby", tab.id);
    pane.tabIndex = -1;
    const active = index === current;
    tab.classList.toggle("active", active);
    tab.setAttribute("aria-selected", String(active));
    tab.tabIndex = active ? 0 : -1;
    pane.classList.toggle("active", active);
    pane.classList.toggle("show", active);
  });
  panes.classList.add("tab-content");
  tablist.hidden = false;
  box.classList.add("mail-tabs-on");
}

// Typing another address, or picking a contact, chooses that kind of recipient.
function attachRecipient(form) {
  const choose = (value) => {
    const radio = form.querySelector(`input[name=recipient][value=${value}]`);
    if (radio) radio.checked = true;
  };
  form.querySelector("[name=to]")?.addEventListener("input", () => choose("other"));
  form.querySelector("[name=contact]")?.addEventListener("change", () => choose("contact"));
}

for (const form of document.querySelectorAll("form[data-mail-compose]")) {
  attachRecipient(form);
  for (const box of form.querySelectorAll("[data-mail-tabs]")) attachTabs(box);
  for (const textarea of form.querySelectorAll("textarea[data-mail-editor]")) attachEditor(textarea);
}
