// Pan and zoom for the charts that ask for it (svg[data-pan], drawn by
// internal/report/chart), and highlighting of a graph node's neighbours
// (on hover, on focus, and when the incidence grid asks for an alert).
// No dependencies, no network, no eval, no inline handlers: it is inlined
// in the report under a CSP hash and served as a file by the web UI.
//
// Drag pans; the wheel zooms when the chart has focus (click it) or with
// Ctrl, and a trackpad pinch always does; two-finger touch pinches. With
// the chart focused: + and - zoom, arrows pan, 0 resets; a double-click
// resets too.
(function () {
	"use strict";

	var MIN = 0.5, MAX = 12;

	function attach(svg) {
		var vp = svg.querySelector("g.viewport");
		if (!vp || svg.getAttribute("data-pan-ready")) {
			return;
		}
		svg.setAttribute("data-pan-ready", "1");
		var k = 1, tx = 0, ty = 0;

		function apply() {
			vp.setAttribute("transform", "translate(" + tx + " " + ty + ") scale(" + k + ")");
			var z = k >= 6 ? "8" : k >= 3 ? "4" : k >= 1.5 ? "2" : "";
			if (z) {
				svg.setAttribute("data-zoom", z);
			} else {
				svg.removeAttribute("data-zoom");
			}
		}

		// point converts client coordinates to the svg's user space.
		function point(cx, cy) {
			var m = svg.getScreenCTM();
			if (!m) {
				return { x: 0, y: 0 };
			}
			var p = svg.createSVGPoint();
			p.x = cx;
			p.y = cy;
			p = p.matrixTransform(m.inverse());
			return { x: p.x, y: p.y };
		}

		// zoom scales by f around the user-space point p.
		function zoom(f, p) {
			var nk = Math.min(MAX, Math.max(MIN, k * f));
			f = nk / k;
			tx = p.x - (p.x - tx) * f;
			ty = p.y - (p.y - ty) * f;
			k = nk;
			apply();
		}

		function centre() {
			var vb = svg.viewBox.baseVal;
			return { x: vb.x + vb.width / 2, y: vb.y + vb.height / 2 };
		}

		function reset() {
			k = 1;
			tx = 0;
			ty = 0;
			apply();
		}

		svg.addEventListener("wheel", function (e) {
			if (!e.ctrlKey && !e.metaKey && document.activeElement !== svg && !svg.contains(document.activeElement)) {
				return; // let the page scroll
			}
			e.preventDefault();
			var d = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
			zoom(Math.exp(-d * (e.ctrlKey ? 0.01 : 0.002)), point(e.clientX, e.clientY));
		}, { passive: false });

		// Pointers: one drags, two pinch. A drag of more than a few pixels
		// swallows the click that ends it, so links still work on a tap.
		var pointers = new Map(), start = null, moved = false, pinch = 0;
		svg.addEventListener("pointerdown", function (e) {
			if (e.button !== 0) {
				return;
			}
			if (document.activeElement !== svg && !svg.contains(document.activeElement)) {
				svg.focus({ preventScroll: true });
			}
			pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
			if (pointers.size === 1) {
				start = { x: e.clientX, y: e.clientY, tx: tx, ty: ty };
				moved = false;
			} else if (pointers.size === 2) {
				var ps = Array.from(pointers.values());
				pinch = Math.hypot(ps[0].x - ps[1].x, ps[0].y - ps[1].y);
			}
		});
		svg.addEventListener("pointermove", function (e) {
			if (!pointers.has(e.pointerId)) {
				return;
			}
			pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
			if (pointers.size === 2) {
				var ps = Array.from(pointers.values());
				var d = Math.hypot(ps[0].x - ps[1].x, ps[0].y - ps[1].y);
				if (pinch > 0 && d > 0) {
					zoom(d / pinch, point((ps[0].x + ps[1].x) / 2, (ps[0].y + ps[1].y) / 2));
				}
				pinch = d;
				moved = true;
				return;
			}
			if (!start) {
				return;
			}
			var dx = e.clientX - start.x, dy = e.clientY - start.y;
			if (!moved && Math.hypot(dx, dy) < 4) {
				return;
			}
			if (!moved) {
				moved = true;
				svg.setPointerCapture(e.pointerId);
				svg.classList.add("dragging");
			}
			var a = point(start.x, start.y), b = point(e.clientX, e.clientY);
			tx = start.tx + (b.x - a.x);
			ty = start.ty + (b.y - a.y);
			apply();
		});
		function up(e) {
			pointers.delete(e.pointerId);
			if (pointers.size === 0) {
				start = null;
				svg.classList.remove("dragging");
			}
			pinch = 0;
		}
		svg.addEventListener("pointerup", up);
		svg.addEventListener("pointercancel", up);
		svg.addEventListener("click", function (e) {
			if (moved) {
				e.preventDefault();
				e.stopPropagation();
				moved = false;
			}
		}, true);
		svg.addEventListener("dblclick", function (e) {
			e.preventDefault();
			reset();
		});
		svg.addEventListener("keydown", function (e) {
			var step = 40; // user units, whatever the zoom
			switch (e.key) {
			case "+":
			case "=":
				zoom(1.25, centre());
				break;
			case "-":
			case "_":
				zoom(0.8, centre());
				break;
			case "0":
				reset();
				break;
			case "ArrowLeft":
				tx += step;
				apply();
				break;
			case "ArrowRight":
				tx -= step;
				apply();
				break;
			case "ArrowUp":
				ty += step;
				apply();
				break;
			case "ArrowDown":
				ty -= step;
				apply();
				break;
			default:
				return;
			}
			e.preventDefault();
		});

		highlight(svg);
	}

	// highlight marks a hovered or focused graph node, its links and its
	// neighbours (class "hl") and dims the rest.
	function highlight(svg) {
		var edges = svg.querySelectorAll(".edge[data-a]");
		if (!edges.length) {
			return;
		}
		var nodes = {}, labels = {}, links = {};
		svg.querySelectorAll(".node[data-i]").forEach(function (n) {
			nodes[n.getAttribute("data-i")] = n;
		});
		svg.querySelectorAll(".lbl[data-i]").forEach(function (l) {
			labels[l.getAttribute("data-i")] = l;
		});
		edges.forEach(function (e) {
			var a = e.getAttribute("data-a"), b = e.getAttribute("data-b");
			(links[a] = links[a] || []).push([e, b]);
			(links[b] = links[b] || []).push([e, a]);
		});
		var lit = [];
		function clear() {
			lit.forEach(function (el) {
				el.classList.remove("hl");
			});
			lit = [];
			svg.classList.remove("dim");
		}
		function on(i) {
			clear();
			var mark = function (el) {
				if (el) {
					el.classList.add("hl");
					lit.push(el);
				}
			};
			mark(nodes[i]);
			mark(labels[i]);
			(links[i] || []).forEach(function (l) {
				mark(l[0]);
				mark(nodes[l[1]]);
				mark(labels[l[1]]);
			});
			svg.classList.add("dim");
		}
		function find(t) {
			var n = t && t.closest ? t.closest(".node[data-i]") : null;
			return n && svg.contains(n) ? n.getAttribute("data-i") : null;
		}
		svg.addEventListener("pointerover", function (e) {
			var i = find(e.target);
			if (i !== null) {
				on(i);
			}
		});
		svg.addEventListener("pointerout", function (e) {
			if (find(e.target) !== null && find(e.relatedTarget) === null) {
				clear();
			}
		});
		svg.addEventListener("focusin", function (e) {
			var t = e.target.querySelector ? e.target.querySelector(".node[data-i]") : null;
			var i = find(t || e.target);
			if (i !== null) {
				on(i);
			}
		});
		svg.addEventListener("focusout", clear);
		// The incidence grid asks for an alert by its key (report.js);
		// null, or a key no node has, clears.
		svg.addEventListener("triage:highlight", function (e) {
			var k = e.detail;
			var n = typeof k === "string" && /^[a-z0-9-]+$/.test(k) ? svg.querySelector('.node[data-k="' + k + '"]') : null;
			if (n) {
				on(n.getAttribute("data-i"));
			} else {
				clear();
			}
		});
	}

	function init() {
		document.querySelectorAll("svg[data-pan]").forEach(attach);
	}
	if (document.readyState === "loading") {
		document.addEventListener("DOMContentLoaded", init);
	} else {
		init();
	}
	// Sections the web UI adds later are picked up too.
	if (window.MutationObserver) {
		new MutationObserver(init).observe(document.documentElement, { childList: true, subtree: true });
	}
})();
