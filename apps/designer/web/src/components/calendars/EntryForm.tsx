/** Adding one entry to a calendar: a day, a range of days, or a rule such as "4th Thursday of November". */
import { type FormEvent, useState } from "react";
import { type CalendarEntry, EMPTY_DRAFT, type EntryDraft, entryFromDraft, MONTHS, WEEKDAYS } from "../../lib/calendars";

export function EntryForm({ calendar, onAdd }: { calendar: string; onAdd: (e: CalendarEntry) => void }) {
  const [d, setD] = useState<EntryDraft>(EMPTY_DRAFT);
  const [problem, setProblem] = useState<{ field: keyof EntryDraft; text: string } | null>(null);
  const set = (field: keyof EntryDraft, value: string) => {
    setD((x) => ({ ...x, [field]: value }));
    if (problem?.field === field) setProblem(null);
  };
  const id = (field: string) => `cal-${calendar}-${field}`;
  const invalid = (field: keyof EntryDraft) =>
    problem?.field === field ? { "aria-invalid": true as const, "aria-describedby": id("problem") } : {};

  function add(e: FormEvent) {
    e.preventDefault();
    const r = entryFromDraft(d);
    if ("problem" in r) {
      setProblem({ field: r.field, text: r.problem });
      return;
    }
    onAdd(r.entry);
    setD({ ...EMPTY_DRAFT, kind: d.kind });
    setProblem(null);
  }

  return (
    <form className="entry-form" onSubmit={add} aria-label={`Add days to ${calendar}`} noValidate>
      <label>
        Add
        <select aria-label="What to add" value={d.kind} onChange={(e) => { set("kind", e.target.value); setProblem(null); }}>
          <option value="date">one day</option>
          <option value="range">days from … to …</option>
          <option value="week-n-day">a rule (e.g. 4th Thursday of November)</option>
        </select>
      </label>
      {d.kind === "date" && (
        <label>Day <input type="date" value={d.date} onChange={(e) => set("date", e.target.value)} {...invalid("date")} /></label>
      )}
      {d.kind === "range" && (
        <>
          <label>From <input type="date" value={d.start} onChange={(e) => set("start", e.target.value)} {...invalid("start")} /></label>
          <label>To <input type="date" value={d.end} onChange={(e) => set("end", e.target.value)} {...invalid("end")} /></label>
        </>
      )}
      {d.kind === "week-n-day" && (
        <>
          <label>Week
            <select value={d.week} onChange={(e) => set("week", e.target.value)} {...invalid("week")}>
              <option value="">any</option>
              {[1, 2, 3, 4, 5].map((w) => <option key={w} value={String(w)}>{["1st", "2nd", "3rd", "4th", "5th"][w - 1]}</option>)}
              <option value="last">last</option>
            </select>
          </label>
          <label>Weekday
            <select value={d.weekday} onChange={(e) => set("weekday", e.target.value)} {...invalid("weekday")}>
              <option value="">any</option>
              {WEEKDAYS.map((w, i) => <option key={w} value={String(i + 1)}>{w}</option>)}
            </select>
          </label>
          <label>Month
            <select value={d.month} onChange={(e) => set("month", e.target.value)} {...invalid("month")}>
              <option value="">every month</option>
              {MONTHS.map((m, i) => <option key={m} value={String(i + 1)}>{m}</option>)}
            </select>
          </label>
        </>
      )}
      <button type="submit">Add</button>
      {problem && <small className="field-error" role="alert" id={id("problem")}>{problem.text}</small>}
    </form>
  );
}
