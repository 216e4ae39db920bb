/** The app shell: session check, login, navigation by hash (#/projects, #/p/ID, #/devices). */
import { useCallback, useEffect, useState } from "react";
import { CSRF_COOKIE, api, readCookie } from "./api/client";
import type { SessionInfo } from "./api/types";
import { EngineControls } from "./components/EngineControls";
import { Alarms } from "./pages/Alarms";
import { Audit } from "./pages/Audit";
import { Devices } from "./pages/Devices";
import { Editor } from "./pages/Editor";
import { Login } from "./pages/Login";
import { Overrides } from "./pages/Overrides";
import { Projects } from "./pages/Projects";
import { Trends } from "./pages/Trends";

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash || "#/projects");
  useEffect(() => {
    const on = () => setHash(window.location.hash || "#/projects");
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return hash;
}

export function App() {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const hash = useHash();

  useEffect(() => {
    // No CSRF cookie, no session: skip the request (and the 401 in the console).
    if (!readCookie(CSRF_COOKIE)) {
      setSession(null);
      return;
    }
    api.GET("/api/auth/session").then(
      (r) => setSession(r.data ?? null),
      () => setSession(null),
    );
  }, []);

  const signOut = useCallback(async () => {
    await api.POST("/api/auth/logout");
    setSession(null);
    window.location.hash = "#/projects";
  }, []);

  if (session === undefined) return <p className="loading">Loading…</p>;
  if (session === null) return <Login onSignedIn={setSession} />;

  const editor = /^#\/p\/([^/]+)/.exec(hash);
  const page = editor
    ? "editor"
    : (["devices", "overrides", "audit", "alarms", "trends"].find((p) => hash.startsWith(`#/${p}`)) ?? "projects");
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">BMS Designer</span>
        <nav aria-label="Main">
          <a href="#/projects" aria-current={page === "projects" ? "page" : undefined}>
            Projects
          </a>
          <a href="#/devices" aria-current={page === "devices" ? "page" : undefined}>
            Devices
          </a>
          <a href="#/overrides" aria-current={page === "overrides" ? "page" : undefined}>
            Overrides
          </a>
          <a href="#/audit" aria-current={page === "audit" ? "page" : undefined}>
            Audit
          </a>
          <a href="#/alarms" aria-current={page === "alarms" ? "page" : undefined}>
            Alarms
          </a>
          <a href="#/trends" aria-current={page === "trends" ? "page" : undefined}>
            Trends
          </a>
        </nav>
        <span className="spacer" />
        <span className="user" data-testid="user">
          {session.username}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main className="content">
        {editor?.[1] ? (
          <Editor key={editor[1]} projectId={decodeURIComponent(editor[1])} />
        ) : page === "devices" ? (
          <Devices />
        ) : page === "overrides" ? (
          <Overrides />
        ) : page === "audit" ? (
          <Audit />
        ) : page === "alarms" ? (
          <Alarms />
        ) : page === "trends" ? (
          <Trends />
        ) : (
          <Projects />
        )}
      </main>
      {/* the editor has its own status bar, with the same controls beside its engine details */}
      {page !== "editor" && (
        <footer className="statusbar" aria-label="Engine status" data-testid="engine-status">
          <EngineControls />
        </footer>
      )}
    </div>
  );
}
