// The index of a workgroup in a one-dimensional job laid over x and y by vk::linear_groups: x
// stays within 65535 (the least maxComputeWorkGroupCount[0] a device may have), so a job of any
// size the ops admit dispatches everywhere. The surplus workgroups of the last row find no items.
uint linear_group() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }
uint linear_invocation() { return linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x; }
