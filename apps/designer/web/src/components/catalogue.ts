import { createContext } from "react";
import type { BlockSpec } from "../api/types";

/** The block catalogue by type, for the node component and the panels. */
export const CatalogueContext = createContext<ReadonlyMap<string, BlockSpec>>(new Map());
