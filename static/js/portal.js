/*
 * MCT Portal — progressive enhancement. No framework, no build.
 * Every behaviour is attached through data- attributes (the CSP forbids inline
 * scripts and handlers) and every one of them is optional: the pages work without JS.
 * Documented in docs/design.md.
 */
(function () {
  'use strict';

  var root = document.documentElement;
  root.classList.remove('no-js');
  root.classList.add('js');

  function $all(selector, scope) {
    return Array.prototype.slice.call((scope || document).querySelectorAll(selector));
  }

  // A polite live region for short announcements ("Copied").
  var liveRegion = null;
  function announce(text) {
    if (!liveRegion) {
      liveRegion = document.createElement('div');
      liveRegion.className = 'visually-hidden';
      liveRegion.setAttribute('role', 'status');
      liveRegion.setAttribute('aria-live', 'polite');
      document.body.appendChild(liveRegion);
    }
    liveRegion.textContent = '';
    window.setTimeout(function () { liveRegion.textContent = text; }, 50);
  }

  function focusElement(el) {
    if (!el) { return; }
    if (!el.matches('a[href], button, input, select, textarea, [tabindex]')) {
      el.setAttribute('tabindex', '-1');
    }
    el.focus();
  }

  /* ---------------------------------------------------------- navigation */
  function initNavToggle() {
    $all('[data-nav-toggle]').forEach(function (button) {
      var nav = document.getElementById(button.getAttribute('aria-controls'));
      if (!nav) { return; }
      button.hidden = false;

      function setOpen(open) {
        button.setAttribute('aria-expanded', open ? 'true' : 'false');
        nav.classList.toggle('is-open', open);
      }
      setOpen(false);

      button.addEventListener('click', function () {
        setOpen(button.getAttribute('aria-expanded') !== 'true');
      });
      document.addEventListener('keydown', function (event) {
        if (event.key === 'Escape' && button.getAttribute('aria-expanded') === 'true') {
          setOpen(false);
          button.focus();
        }
      });
    });
  }

  /* ---------------------------------------------------------- messages */
  function initDismiss() {
    document.addEventListener('click', function (event) {
      var button = event.target.closest('[data-dismiss]');
      if (!button) { return; }
      var box = button.closest('[data-dismissible]');
      if (!box) { return; }
      var container = box.parentElement;
      box.remove();
      if (container && container.classList.contains('messages') && !container.children.length) {
        container.remove();
      }
      focusElement(document.getElementById('main'));
    });
  }

  /* ---------------------------------------------------------- error summary */
  function initErrorSummary() {
    var target = document.querySelector('[data-focus-on-load]');
    if (target) {
      focusElement(target);
    }
    // A link in the summary moves focus to the control and keeps its label in view.
    document.addEventListener('click', function (event) {
      var link = event.target.closest('.error-summary a[href^="#"]');
      if (!link) { return; }
      var id = decodeURIComponent(link.getAttribute('href').slice(1));
      var el = document.getElementById(id);
      if (!el) { return; }
      var control = el.matches('input, select, textarea, button') ? el :
        el.querySelector('input:not([type="hidden"]), select, textarea');
      if (!control) { return; }
      event.preventDefault();
      var anchor = control.closest('fieldset') || control.closest('.field') || control;
      anchor.scrollIntoView({ block: 'start' });
      control.focus({ preventScroll: true });
    });
  }

  /* ---------------------------------------------------------- conditional reveal */
  // data-reveal-when="employer_type=fte|academic": shown only while the named radio,
  // checkbox or select in the same form holds one of the values. Wizard prefixes
  // ("profile-employer_type") are matched too.
  function parseRule(rule) {
    var at = rule.indexOf('=');
    if (at < 1) { return null; }
    return {
      name: rule.slice(0, at).trim(),
      values: rule.slice(at + 1).split('|').map(function (v) { return v.trim(); })
    };
  }

  function controlsNamed(scope, name) {
    var escaped = window.CSS && CSS.escape ? CSS.escape(name) : name.replace(/"/g, '\\"');
    var found = $all('[name="' + escaped + '"]', scope);
    if (!found.length) { found = $all('[name$="-' + escaped + '"]', scope); }
    return found.filter(function (el) { return el.type !== 'hidden'; });
  }

  function currentValues(controls) {
    var values = [];
    controls.forEach(function (el) {
      if (el.type === 'radio' || el.type === 'checkbox') {
        if (el.checked) { values.push(el.value); }
      } else if (el.tagName === 'SELECT') {
        Array.prototype.forEach.call(el.selectedOptions || [], function (o) { values.push(o.value); });
      } else {
        values.push(el.value);
      }
    });
    return values;
  }

  // Hidden required controls would block submission: park "required" while hidden.
  function setRequiredParked(block, hidden) {
    $all('input, select, textarea', block).forEach(function (el) {
      if (hidden && el.required) {
        el.required = false;
        el.setAttribute('data-required-parked', '');
      } else if (!hidden && el.hasAttribute('data-required-parked')) {
        el.required = true;
        el.removeAttribute('data-required-parked');
      }
    });
  }

  function initReveal() {
    var blocks = $all('[data-reveal-when]');
    if (!blocks.length) { return; }
    var bindings = [];
    blocks.forEach(function (block) {
      var rule = parseRule(block.getAttribute('data-reveal-when'));
      if (!rule) { return; }
      var scope = block.closest('form') || document;
      var controls = controlsNamed(scope, rule.name);
      if (!controls.length) { return; }  // nothing to depend on: leave it visible
      bindings.push({ block: block, rule: rule, controls: controls });
    });

    function update() {
      bindings.forEach(function (b) {
        var values = currentValues(b.controls);
        var show = b.rule.values.some(function (v) { return values.indexOf(v) !== -1; });
        b.block.hidden = !show;
        setRequiredParked(b.block, !show);
        // Let a radio that controls a block say so.
        b.controls.forEach(function (el) {
          if ((el.type === 'radio' || el.type === 'checkbox') && b.rule.values.indexOf(el.value) !== -1 && b.block.id) {
            el.setAttribute('aria-controls', b.block.id);
          }
        });
      });
    }

    bindings.forEach(function (b) {
      b.controls.forEach(function (el) {
        el.addEventListener('change', update);
      });
    });
    update();
  }

  /* ---------------------------------------------------------- copy to clipboard */
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.className = 'visually-hidden';
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      area.remove();
      if (ok) { resolve(); } else { reject(new Error('copy failed')); }
    });
  }

  function initCopy() {
    document.addEventListener('click', function (event) {
      var button = event.target.closest('[data-copy-target]');
      if (!button) { return; }
      event.preventDefault();
      var target = null;
      try { target = document.querySelector(button.getAttribute('data-copy-target')); } catch (e) { target = null; }
      if (!target) { return; }
      var text = ('value' in target && target.tagName !== 'BUTTON') ? target.value : target.textContent;
      text = (text || '').trim();
      if (!button.hasAttribute('data-copy-label')) {
        button.setAttribute('data-copy-label', button.textContent);
      }
      var label = button.getAttribute('data-copy-label');
      copyText(text).then(function () {
        button.textContent = 'Copied';
        button.classList.add('is-copied');
        announce('Copied to clipboard');
      }, function () {
        button.textContent = 'Press Ctrl+C to copy';
        if (target.select) { target.select(); }
      }).then(function () {
        window.setTimeout(function () {
          button.textContent = label;
          button.classList.remove('is-copied');
        }, 2000);
      });
    });
  }

  /* ---------------------------------------------------------- confirm */
  // data-confirm="Merge these two records?" on a form or a submit button.
  function initConfirm() {
    document.addEventListener('submit', function (event) {
      var form = event.target;
      var submitter = event.submitter;
      var message = (submitter && submitter.getAttribute('data-confirm')) || form.getAttribute('data-confirm');
      if (message && !window.confirm(message)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    }, true);
  }

  /* ---------------------------------------------------------- single submit */
  // <form data-single-submit>: once submitted, its submit buttons are disabled and the
  // pressed one reads "Submitting…". Disabling waits one tick: the browser has by then
  // collected the form data, so the pressed button's name/value is still sent.
  function submitButtons(form) {
    var inside = $all('button:not([type]), button[type="submit"], input[type="submit"]', form);
    var outside = form.id ? $all('[form="' + form.id + '"]').filter(function (el) {
      return el.matches('button:not([type]), button[type="submit"], input[type="submit"]');
    }) : [];
    return inside.concat(outside);
  }

  function setLabel(button, text) {
    if (button.tagName === 'INPUT') { button.value = text; } else { button.textContent = text; }
  }

  function initSingleSubmit() {
    document.addEventListener('submit', function (event) {
      var form = event.target;
      if (!form.hasAttribute || !form.hasAttribute('data-single-submit')) { return; }
      if (event.defaultPrevented) { return; }
      if (form.getAttribute('data-submitting') === 'true') {
        event.preventDefault();
        return;
      }
      form.setAttribute('data-submitting', 'true');
      var pressed = event.submitter || submitButtons(form)[0];
      // Disable after the browser has collected the form data.
      window.setTimeout(function () {
        submitButtons(form).forEach(function (button) {
          button.setAttribute('data-label', button.tagName === 'INPUT' ? button.value : button.textContent);
          button.disabled = true;
          button.setAttribute('aria-disabled', 'true');
          if (button === pressed) {
            button.classList.add('is-submitting');
            setLabel(button, 'Submitting…');
          }
        });
      }, 0);
    });

    // Coming back through the back/forward cache: make the form usable again.
    window.addEventListener('pageshow', function (event) {
      if (!event.persisted) { return; }
      $all('form[data-single-submit]').forEach(function (form) {
        form.removeAttribute('data-submitting');
        submitButtons(form).forEach(function (button) {
          if (button.hasAttribute('data-label')) { setLabel(button, button.getAttribute('data-label')); }
          button.disabled = false;
          button.removeAttribute('aria-disabled');
          button.classList.remove('is-submitting');
        });
      });
    });
  }

  /* ---------------------------------------------------------- section nav */
  function initSectionNav() {
    $all('.section-nav').forEach(function (nav) {
      var links = $all('a[href^="#"]', nav);
      var pairs = links.map(function (link) {
        var id = decodeURIComponent(link.getAttribute('href').slice(1));
        return { link: link, section: id ? document.getElementById(id) : null };
      }).filter(function (p) { return p.section; });
      if (!pairs.length) { return; }

      function mark(current) {
        pairs.forEach(function (p) {
          if (p === current) { p.link.setAttribute('aria-current', 'true'); } else { p.link.removeAttribute('aria-current'); }
        });
      }

      links.forEach(function (link) {
        link.addEventListener('click', function () {
          var pair = pairs.filter(function (p) { return p.link === link; })[0];
          if (pair) { mark(pair); }
        });
      });

      if (!('IntersectionObserver' in window)) { return; }
      var visible = new Map();
      var observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) { visible.set(entry.target, entry.isIntersecting); });
        var first = pairs.filter(function (p) { return visible.get(p.section); })[0];
        if (first) { mark(first); }
      }, { rootMargin: '-15% 0px -60% 0px' });
      pairs.forEach(function (p) { observer.observe(p.section); });
    });
  }

  /* ---------------------------------------------------------- scrollable tables */
  // A table that overflows becomes a focusable, labelled region so keyboard users can scroll it.
  function initTableWraps() {
    $all('.table-wrap').forEach(function (wrap) {
      if (wrap.scrollWidth <= wrap.clientWidth + 1 || wrap.hasAttribute('tabindex')) { return; }
      wrap.setAttribute('tabindex', '0');
      if (!wrap.hasAttribute('role')) { wrap.setAttribute('role', 'region'); }
      if (!wrap.hasAttribute('aria-label') && !wrap.hasAttribute('aria-labelledby')) {
        var caption = wrap.querySelector('caption');
        wrap.setAttribute('aria-label', caption ? caption.textContent.trim() + ' (scrollable)' : 'Table (scrollable)');
      }
    });
  }

  function init() {
    var steps = [initNavToggle, initDismiss, initErrorSummary, initReveal, initCopy,
      initConfirm, initSingleSubmit, initSectionNav, initTableWraps, initAutoSubmit];
    steps.forEach(function (step) {
      try { step(); } catch (error) {
        if (window.console) { window.console.error('portal.js:', step.name, error); }
      }
    });
  }

  // <form data-auto-submit>: submitted once when the page loads (the card payment's
  // return page asks the server to check with the provider); without JS it is a button.
  function initAutoSubmit() {
    $all('form[data-auto-submit]').forEach(function (form) {
      form.removeAttribute('data-auto-submit');
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
