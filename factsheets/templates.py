# ruff: noqa: E501 - HTML templates: their lines are text, wrapped where the page reads best
"""The pages, as Jinja2 templates with autoescape on: every name, handle and text from the warehouse is data."""

from __future__ import annotations

STYLE = """
@page { size: A4; margin: 10mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9pt; color: #1b1b1b;
       margin: 0 auto; max-width: 182mm; line-height: 1.3; }
@media screen { body { padding: 12mm 0; } }
h1 { font-size: 17pt; margin: 0 0 1mm; color: #154273; }
h2 { font-size: 11pt; margin: 3mm 0 1mm; color: #154273; border-bottom: 1px solid #c5d3e3; }
p { margin: 1mm 0; }
.sub { color: #4b4b4b; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.6mm 1.5mm; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
th { font-weight: 600; background: #eef3f8; }
td.d { white-space: nowrap; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.level { display: flex; gap: 4mm; align-items: center; background: #eef3f8; padding: 2mm 3mm; border-radius: 2mm;
         margin-top: 3mm; }
.level .badge { font-size: 20pt; font-weight: 700; color: #154273; min-width: 10mm; text-align: center; }
.scale { color: #4b4b4b; font-size: 8pt; }
.note { font-size: 7.5pt; color: #4b4b4b; margin-top: 4mm; border-top: 1px solid #c5d3e3; padding-top: 1.5mm; }
.none { color: #6b6b6b; font-style: italic; }
a { color: #154273; }
"""

SHEET = """<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<title>{{ m.name }} {{ year }}: factsheet sociale media</title>
<style>{{ style }}</style>
</head>
<body>
<h1 id="name">{{ m.name }}</h1>
<p class="sub" id="identity">{{ m.gm_code }} · provincie {{ m.province_name or "onbekend" }} · {{ year }} ·
{% if m.inhabitants is not none %}{{ inhabitants }} inwoners{% if m.inhabitants_basis %} ({{ m.inhabitants_basis }}){% endif %}
· grootteklasse <strong id="size-class">{{ m.size_class }}</strong> ({{ size_class_words }}){% else %}inwonertal onbekend, daarom geen grootteklasse{% endif %}</p>
<p class="scale">Grootteklassen: {{ size_classes_words }}.</p>

<div class="level" id="maturity">
  <div class="badge">{{ m.maturity_level }}</div>
  <div><strong>Volwassenheid: {{ level_name }}</strong><br><span id="maturity-reason">{{ reason }}</span></div>
</div>
<p class="scale">Niveaus: 0 geen kanaal · 1 aanwezig · 2 zenden ({{ limits.broadcast_min_messages }} of meer berichten
per jaar) · 3 in gesprek (ten minste één vraag en {{ min_rate }} of meer beantwoord) · 4 geïntegreerd (KCC betrokken
volgens de enquête en mediane reactietijd onder {{ limits.integrated_max_median_hours|int }} uur).</p>

<h2>Kerncijfers {{ year }}</h2>
<table id="figures">
<thead><tr><th>Maat</th><th class="n">{{ m.name }}</th>
<th class="n">Mediaan klasse {{ m.size_class or "–" }}{% if peers %} ({{ peers.municipalities }} gem.){% endif %}</th>
<th class="n">Nederland</th></tr></thead>
<tbody>
{% for f in figures %}<tr data-key="{{ f.key }}"><td>{{ f.label }}</td><td class="n own">{{ f.own }}</td>
<td class="n peers">{{ f.peers }}</td><td class="n nation">{{ f.nation }}</td></tr>
{% endfor %}</tbody>
</table>
<p class="scale">Reactietijd: van de vraag tot het eerste antwoord, over de beantwoorde vragen. Eén werkdag is
{{ working_day_hours }} kantooruren (maandag tot en met vrijdag, {{ business_hours }}, zonder feestdagen). De mediaan van de
klasse is die van de gemeenten in dezelfde grootteklasse in {{ year }}; Nederland telt alle vragen samen.</p>

<h2>Kanalen</h2>
{% if channels %}<table id="channels">
<thead><tr><th>Platform</th><th>Account</th><th>Thema</th><th>Actief</th><th>Stand {{ year }}</th>
<th class="n">Berichten</th><th class="n">Vragen</th></tr></thead>
<tbody>
{% for c in channels %}<tr><td>{{ c.platform }}</td><td>{{ c.handle or "–" }}</td><td>{{ c.theme }}</td>
<td class="d">{% if c.active_to %}{{ c.active_from }} – {{ c.active_to }}{% else %}sinds {{ c.active_from }}{% endif %}</td><td>{{ c.state }}</td>
<td class="n">{{ c.messages }}</td><td class="n">{{ c.questions }}</td></tr>
{% endfor %}</tbody>
</table>{% else %}<p class="none" id="channels">Geen kanalen van deze gemeente in het register.</p>{% endif %}

<h2>Enquête {{ year }}</h2>
{% if survey %}<table id="survey">
<tbody>
<tr><th>Verantwoordelijke afdeling</th><td>{{ survey.department }}</td>
<th>Eigen rapportcijfer (1–10)</th><td>{{ survey.self_rating }}</td></tr>
<tr><th>Structureel in gebruik (eigen zeggen)</th><td>{{ survey.structural }}</td>
<th>KCC betrokken</th><td>{{ survey.kcc }}</td></tr>
<tr><th>Steun van het management (1–5)</th><td colspan="3">{{ survey.support }}</td></tr>
</tbody>
</table>{% else %}<p class="none" id="survey">Deze gemeente heeft de enquête over {{ year }} niet beantwoord.</p>{% endif %}

<div class="note" id="footnote">
<p><strong>Over de gegevens.</strong> Gepubliceerd warehouse van {{ built_date }} (build {{ code_version }}).
{% if own_files is not none %}De vragen en antwoorden van {{ m.name }} in {{ year }} komen uit
{{ own_files }} {{ "bestand" if own_files == 1 else "bestanden" }}. {% endif %}In totaal: {{ q.source_files }} geladen bestanden in
{{ q.loads }} laadrondes, {{ q.validation_runs }} controles met samen {{ q.rules_checked }} controleregels
({{ q.validation_runs_failed }} met een afwijking); {{ q.quarantined_rows }} rijen en {{ q.files_quarantined }}
{{ "bestand" if q.files_quarantined == "1" else "bestanden" }} in quarantaine (niet meegeteld). Geen gegevens van inwoners op dit blad.
Definities en uitleg: docs/factsheets.md en docs/CONTRACT.md (§4, §7) van Dialoog;
<a href="../../data_docs/index.html">controlerapporten (Data Docs)</a> · <a href="../index.html">alle factsheets</a>.</p>
</div>
</body>
</html>
"""

INDEX = """<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<title>Factsheets sociale media per gemeente</title>
<style>{{ style }} body { max-width: 230mm; } h2 { margin-top: 6mm; } h3 { font-size: 10pt; margin: 3mm 0 1mm; }
ul { columns: 3; margin: 0; padding-left: 5mm; } li { break-inside: avoid; }</style>
</head>
<body>
<h1>Factsheets sociale media per gemeente</h1>
<p class="sub">Hoe gemeenten inwoners antwoorden op sociale media: één blad per gemeente en jaar (HTML{% if pdf %} en
PDF{% endif %}). Gepubliceerd warehouse van {{ built_date }}.</p>
{% for y in years %}<h2 id="y{{ y.year }}">{{ y.year }} ({{ y.count }} gemeenten)</h2>
{% for p in y.provinces %}<h3>{{ p.name }}</h3>
<ul>{% for s in p.sheets %}<li><a href="{{ s.html }}">{{ s.name }}</a>{% if s.pdf %} (<a href="{{ s.pdf }}">pdf</a>){% endif %}
· niveau {{ s.level }}</li>{% endfor %}</ul>
{% endfor %}{% endfor %}
</body>
</html>
"""
