import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import Handlebars from 'handlebars';
const t = nodemailer.createTransport({ host: 'x', port: 25, connectionTimeout: 1 });
void t; void SMTPServer; void Handlebars.compile;
