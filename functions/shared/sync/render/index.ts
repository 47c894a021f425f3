export { isCustomerVisible } from '../../opencx/messages';
export { renderActivity, titleFor, type RenderContext, type RenderedActivity } from './activity';
export { attachmentList, attachmentNoun, describeAttachmentsSentence, formatBytes } from './attachments';
export { messageText, type MessageText } from './body';
export { channelLabel, isEmailChannel } from './channel';
export { toE164 } from './phone';
export { MAX_CASE_SUBJECT, subjectFor, type SubjectOptions } from './subject';
export { htmlToPlainText, looksLikeHtml, splitSubjectLine, trimQuotedReply, truncate } from './text';
