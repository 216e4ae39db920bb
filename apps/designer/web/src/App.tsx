export function App() { return <p>BMS Designer</p>; }
