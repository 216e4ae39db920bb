/** The API types components use: thin aliases over the generated schema.gen.ts. */
import type { components } from "./schema.gen";

type S = components["schemas"];

export type AuditEntry = S["AuditEntry"];
export type BlockSpec = S["BlockSpec"];
export type BundleDiff = S["BundleDiff"];
export type BundleInfo = S["BundleInfo"];
export type Catalogue = S["Catalogue"];
export type DeploymentEntry = S["DeploymentEntry"];
export type DeviceInfo = S["DeviceInfo"];
export type Edge = S["Edge"];
export type EngineStatus = S["EngineStatus"];
export type EngineStreamMessage = S["EngineStreamMessage"];
/** The payload of one kind of engine stream event (the SSE event name is the kind). */
export type EngineEvent<K extends EngineStreamMessage["kind"]> = Extract<EngineStreamMessage, { kind: K }>["data"];
export type ErrorEnvelope = S["ErrorEnvelope"];
export type Flow = S["Flow"];
export type Graph = S["Graph"];
export type JsonValue = S["JsonValue"];
export type GraphNode = S["Node"];
export type Override = S["Override"];
export type PointInfo = S["PointInfo"];
export type PriorityArray = S["PriorityArray"];
export type PrioritySlot = S["PrioritySlot"];
export type PortSpec = S["PortSpec"];
export type PortType = S["PortType"];
export type Position = S["Position"];
export type Project = S["Project"];
export type Calendar = S["Calendar"];
export type ProjectContent = S["ProjectContent"];
export type ProjectSummary = S["ProjectSummary"];
export type SessionInfo = S["SessionInfo"];
export type SimulationRequest = S["SimulationRequest"];
export type SimulationResult = S["SimulationResult"];
export type ValidationIssue = S["ValidationIssue"];
export type ValidationReport = S["ValidationReport"];
export type ValueType = S["ValueType"];
export type AlarmList = S["AlarmList"];
export type AlarmRecord = S["AlarmRecord"];
export type AlarmState = S["AlarmState"];
export type HistoryResponse = S["HistoryResponse"];
export type PointHistory = S["PointHistory"];
export type CommandedPoint = S["CommandedPoint"];
export type LimitAction = S["LimitAction"];
export type LimitsDraft = S["LimitsDraft"];
export type PointConstraint = S["PointConstraint"];
export type PointLimitsTable = S["PointLimitsTable"];
