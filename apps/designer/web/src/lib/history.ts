/** Undo/redo over snapshots (strings): a list and a cursor; a new snapshot drops the redo tail. */
export class History {
  private items: string[] = [];
  private cursor = -1;

  constructor(private readonly limit = 200) {}

  /** Record a snapshot unless it equals the current one. */
  push(snapshot: string): void {
    if (this.items[this.cursor] === snapshot) return;
    this.items = this.items.slice(0, this.cursor + 1);
    this.items.push(snapshot);
    if (this.items.length > this.limit) this.items.shift();
    this.cursor = this.items.length - 1;
  }

  get canUndo(): boolean {
    return this.cursor > 0;
  }
  get canRedo(): boolean {
    return this.cursor < this.items.length - 1;
  }

  undo(): string | null {
    if (!this.canUndo) return null;
    this.cursor -= 1;
    return this.items[this.cursor] ?? null;
  }

  redo(): string | null {
    if (!this.canRedo) return null;
    this.cursor += 1;
    return this.items[this.cursor] ?? null;
  }

  reset(snapshot: string): void {
    this.items = [snapshot];
    this.cursor = 0;
  }
}
