/*! Claudery widget v1: a shopping assistant launcher for storefronts. Served by Claudery Hub.
 *
 * Embed: <script src="https://HUB/widget/v1/claudery.js" data-site-key="cw_pub_..." async></script>
 * (or ?key=cw_pub_... on the script URL, for Script Manager's "URL" script type).
 *
 * CSP-safe by construction: no eval, no inline style elements or attributes, no HTML parsing. Styles come
 * from the hub's stylesheet linked inside a shadow root (host pages allow it with style-src HUB); the
 * accent colour is set through the CSSOM. Every piece of product data is written with textContent.
 */
(() => {
  "use strict";
  const FLAG = Symbol.for("claudery.widget.v1");
  if (window[FLAG]) return; // the snippet pasted twice: one widget
  const script =
    document.currentScript || document.querySelector('script[src*="/widget/v1/claudery.js"]');
  if (!script) return;
  const src = new URL(script.src, window.location.href);
  const key = script.dataset.siteKey || src.searchParams.get("key");
  if (!key) return;
  window[FLAG] = true;
  const HUB = src.origin;
  const PREVIEW = script.dataset.preview === "1";

  const STRINGS = {
    en: {
      open: "Open the shopping assistant", close: "Close", placeholder: "What are you looking for?",
      label: "Your question", send: "Search", searching: "Searching…", none: "No products match. Try other words.",
      error: "Something went wrong. Please try again.", limited: "Too many searches. Please wait a moment.",
      inStock: "In stock", outOfStock: "Out of stock", was: "was", found: (n) => `${n} products found`,
      remove: (label) => `Remove “${label}”`, understood: "Understood as", starters: "Try asking",
      didYouMean: (q) => `Did you mean “${q}”?`,
    },
    fr: {
      open: "Ouvrir l’assistant d’achat", close: "Fermer", placeholder: "Que cherchez-vous ?",
      label: "Votre question", send: "Rechercher", searching: "Recherche…",
      none: "Aucun produit ne correspond. Essayez d’autres mots.", error: "Un problème est survenu. Réessayez.",
      limited: "Trop de recherches. Patientez un instant.", inStock: "En stock", outOfStock: "Épuisé",
      was: "au lieu de", found: (n) => `${n} produits trouvés`,
    },
    de: {
      open: "Einkaufsassistent öffnen", close: "Schließen", placeholder: "Wonach suchen Sie?",
      label: "Ihre Frage", send: "Suchen", searching: "Suche…",
      none: "Keine passenden Produkte. Versuchen Sie andere Wörter.", error: "Etwas ist schiefgelaufen.",
      limited: "Zu viele Suchen. Bitte kurz warten.", inStock: "Auf Lager", outOfStock: "Ausverkauft",
      was: "statt", found: (n) => `${n} Produkte gefunden`,
    },
    es: {
      open: "Abrir el asistente de compras", close: "Cerrar", placeholder: "¿Qué estás buscando?",
      label: "Tu pregunta", send: "Buscar", searching: "Buscando…",
      none: "Ningún producto coincide. Prueba con otras palabras.", error: "Algo salió mal. Inténtalo de nuevo.",
      limited: "Demasiadas búsquedas. Espera un momento.", inStock: "En stock", outOfStock: "Agotado",
      was: "antes", found: (n) => `${n} productos encontrados`,
    },
    nl: {
      open: "Winkelassistent openen", close: "Sluiten", placeholder: "Waar ben je naar op zoek?",
      label: "Je vraag", send: "Zoeken", searching: "Zoeken…",
      none: "Geen producten gevonden. Probeer andere woorden.", error: "Er ging iets mis. Probeer het opnieuw.",
      limited: "Te veel zoekopdrachten. Wacht even.", inStock: "Op voorraad", outOfStock: "Uitverkocht",
      was: "was", found: (n) => `${n} producten gevonden`,
    },
  };

  function api(path, params) {
    const url = new URL(`/widget/v1/${path}`, HUB);
    url.searchParams.set("key", key);
    if (PREVIEW) url.searchParams.set("preview", "1");
    for (const [name, value] of Object.entries(params || {})) url.searchParams.set(name, value);
    return url;
  }

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children || []) if (child) node.append(child);
    return node;
  }

  function chatIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    svg.append(path);
    return svg;
  }

  function money(amount, currency, lang) {
    if (amount == null) return "";
    const value = Number(amount);
    if (!currency || !Number.isFinite(value)) return String(amount);
    try {
      return new Intl.NumberFormat(lang, { style: "currency", currency }).format(value);
    } catch (e) {
      return `${amount} ${currency}`;
    }
  }

  function safeUrl(value) {
    // Only http(s) links and images: a javascript: URL from bad data must never become a link.
    try {
      const url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function productItem(p, t, lang) {
    const image = safeUrl(p.image);
    const price = el("span", { class: "price" }, [
      el("span", { class: p.sale_price ? "now sale" : "now", text: money(p.sale_price || p.price, p.currency, lang) }),
      p.sale_price ? el("span", { class: "visually-hidden", text: ` ${t.was} ` }) : null,
      p.sale_price ? el("s", { class: "was", text: money(p.price, p.currency, lang) }) : null,
    ]);
    const info = el("span", { class: "info" }, [
      el("span", { class: "name", text: p.name }),
      p.brand ? el("span", { class: "brand", text: p.brand }) : null,
      price,
      el("span", { class: p.in_stock ? "stock in" : "stock out", text: p.in_stock ? t.inStock : t.outOfStock }),
    ]);
    const thumb = image
      ? el("img", { src: image, alt: "", loading: "lazy", width: "56", height: "56", referrerpolicy: "no-referrer" })
      : el("span", { class: "noimage", "aria-hidden": "true" });
    const url = safeUrl(p.url);
    const body = url
      ? el("a", { href: url, class: "card", target: "_top" }, [thumb, info])
      : el("div", { class: "card" }, [thumb, info]);
    return el("li", { class: "product" }, [body]);
  }

  function mount(config) {
    // The shopper's own language when the merchant offers it, else the widget's language.
    const offered = (config.assistant && config.assistant.languages) || [];
    const own = (navigator.languages || []).map((l) => l.slice(0, 2)).find((l) => offered.includes(l));
    const lang = STRINGS[own] ? own : STRINGS[config.language] ? config.language : "en";
    const t = { ...STRINGS.en, ...STRINGS[lang] };
    const helper = config.assistant || {};
    const host = document.createElement("claudery-widget");
    const root = host.attachShadow({ mode: "open" });
    // The accent colour through the CSSOM: allowed by CSP, unlike a style attribute.
    host.style.setProperty("--cw-accent", /^#[0-9a-f]{6}$/i.test(config.accent) ? config.accent : "#4f46e5");

    const wrapper = el("div", { class: `cw pos-${config.position === "bottom-left" ? "left" : "right"}`, lang });
    wrapper.hidden = true; // shown once the stylesheet is in, so shoppers never see it unstyled
    const stylesheet = el("link", { rel: "stylesheet", href: new URL("/widget/v1/claudery.css", HUB).href });
    stylesheet.addEventListener("load", () => { wrapper.hidden = false; });
    stylesheet.addEventListener("error", () => {
      console.warn(`Claudery widget: the stylesheet did not load; allow ${HUB} in the page's style-src.`);
    });

    const launcher = el("button", {
      type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "cw-panel", "aria-label": t.open,
    }, [chatIcon()]);
    const close = el("button", { type: "button", class: "close", "aria-label": t.close, text: "×" });
    const input = el("input", {
      id: "cw-q", type: "search", name: "q", autocomplete: "off", enterkeyhint: "search", maxlength: "200",
      placeholder: t.placeholder,
    });
    const form = el("form", { class: "ask", role: "search" }, [
      el("label", { for: "cw-q", class: "visually-hidden", text: t.label }),
      input,
      el("button", { type: "submit", class: "send", text: t.send }),
    ]);
    const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
    const suggestion = el("button", { type: "button", class: "suggest" });
    suggestion.hidden = true;
    suggestion.addEventListener("click", () => {
      input.value = suggestion.dataset.query;
      run(false);
    });
    const results = el("ul", { class: "results", "aria-label": config.store || "" });
    const chips = el("ul", { class: "chips", "aria-label": t.understood });
    const starters = el("ul", { class: "starters", "aria-label": t.starters });
    for (const question of (helper.starters || []).slice(0, 6)) {
      const button = el("button", { type: "button", class: "starter", text: question });
      button.addEventListener("click", () => {
        input.value = question;
        run(false);
      });
      starters.append(el("li", {}, [button]));
    }
    const panel = el("section", { id: "cw-panel", class: "panel", role: "dialog", "aria-labelledby": "cw-title" }, [
      el("header", {}, [el("h2", { id: "cw-title", text: config.store || "" }), close]),
      el("p", { class: "greeting", text: config.greeting || "" }),
      form,
      starters,
      chips,
      status,
      suggestion,
      results,
    ]);
    panel.hidden = true;

    function setOpen(open) {
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", String(open));
      if (open) input.focus();
      else launcher.focus();
    }
    launcher.addEventListener("click", () => setOpen(panel.hidden));
    close.addEventListener("click", () => setOpen(false));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        setOpen(false);
      }
    });

    let inflight = null;
    let asked = "";
    function chip(c) {
      const button = el("button", { type: "button", class: `chip ${c.kind}`, "aria-label": t.remove(c.label) }, [
        el("span", { text: c.label }),
        el("span", { class: "x", "aria-hidden": "true", text: "×" }),
      ]);
      button.addEventListener("click", () => {
        // The chip carries the text it was understood from: removing that text removes the constraint.
        input.value = input.value.replace(c.text, " ").replace(/\s+/g, " ").trim();
        run(false);
        input.focus();
      });
      return el("li", {}, [button]);
    }

    async function run(partial) {
      const query = input.value.trim();
      if (inflight) inflight.abort();
      if (!query) {
        results.replaceChildren();
        chips.replaceChildren();
        status.textContent = "";
        starters.hidden = false;
        return;
      }
      starters.hidden = true;
      inflight = new AbortController();
      status.textContent = t.searching;
      try {
        const params = { q: query };
        if (partial) params.partial = "1";
        const resp = await fetch(api("search", params), { signal: inflight.signal });
        if (resp.status === 429) {
          status.textContent = t.limited;
          return;
        }
        const data = await resp.json();
        if (!resp.ok || !data.enabled) throw new Error(`search answered ${resp.status}`);
        asked = query;
        results.replaceChildren(...data.results.map((p) => productItem(p, t, lang)));
        chips.replaceChildren(...(data.understood || []).map(chip));
        status.textContent = data.summary || (data.results.length ? t.found(data.results.length) : t.none);
        // Nothing found, but the catalog knows a close spelling: offer it (one click searches it).
        suggestion.hidden = !(data.did_you_mean && !data.results.length);
        if (!suggestion.hidden) {
          suggestion.dataset.query = data.did_you_mean;
          suggestion.textContent = t.didYouMean(data.did_you_mean);
        }
      } catch (e) {
        if (e.name !== "AbortError") status.textContent = t.error;
      }
    }

    let typing = null;
    input.addEventListener("input", () => {
      // Search as you type, once the shopper pauses for a moment: the last word counts as a prefix.
      clearTimeout(typing);
      typing = setTimeout(() => run(true), 180);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(typing);
      run(false);
    });
    results.addEventListener("click", (event) => {
      const link = event.target.closest && event.target.closest("a.card");
      if (!link || !asked) return;
      // Counted for the merchant's insights: the query and that a product was opened, nothing about who.
      fetch(api("click", { q: asked }), { keepalive: true }).catch(() => {});
    });

    wrapper.append(launcher, panel);
    root.append(stylesheet, wrapper);
    document.body.append(host);
  }

  async function start() {
    let config;
    try {
      const resp = await fetch(api("config"));
      config = await resp.json();
    } catch (e) {
      return; // the hub is unreachable or the page's CSP blocks it: no widget, no noise for shoppers
    }
    if (!config.enabled) {
      if (config.reason === "origin_not_allowed") {
        console.info(`Claudery widget: ${window.location.origin} is not an allowed storefront address ` +
          "for this site key (Claudery Hub → Widget → allowed addresses).");
      }
      return;
    }
    mount(config);
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
